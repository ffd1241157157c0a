package report

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// appendFinding appends f's record (see NewRecord) as indented JSON,
// exactly as json.MarshalIndent of the record with this prefix and a
// two-space indent would (HTML characters left as they are), without
// reflection or allocation: a scan of many accounts writes hundreds of
// thousands of records.
func appendFinding(dst []byte, f iamsweep.Finding, prefix string) []byte {
	inner := prefix + "  "
	field := func(name string) {
		dst = append(dst, inner...)
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `": `...)
	}
	str := func(name, v string, last bool) {
		field(name)
		dst = appendJSONString(dst, v)
		dst = end(dst, last)
	}
	opt := func(name, v string, last bool) {
		if v == "" {
			field(name)
			dst = append(dst, "null"...)
			dst = end(dst, last)
			return
		}
		str(name, v, last)
	}
	when := func(name string, t time.Time) {
		field(name)
		if t.IsZero() {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, '"')
			dst = t.UTC().AppendFormat(dst, time.RFC3339)
			dst = append(dst, '"')
		}
		dst = end(dst, false)
	}
	number := func(name string, v int, ok, last bool) {
		field(name)
		if ok {
			dst = strconv.AppendInt(dst, int64(v), 10)
		} else {
			dst = append(dst, "null"...)
		}
		dst = end(dst, last)
	}

	dst = append(dst, "{\n"...)
	str("type", string(f.Type), false)
	str("account_id", f.AccountID, false)
	opt("account_name", f.AccountName, false)
	str("arn", f.ARN, false)
	str("principal_id", f.PrincipalID, false)
	str("name", f.Name, false)
	str("path", f.Path, false)
	str("verdict", string(f.Verdict), false)
	str("rule", string(f.Rule), false)
	str("reason", f.Reason, false)
	when("created", f.Created)
	when("last_used", f.LastUsed.Time)
	opt("last_used_region", f.LastUsed.Region, false)
	days := 0
	if f.DaysUnused != nil {
		days = *f.DaysUnused
	}
	number("days_unused", days, f.DaysUnused != nil, false)
	opt("access_key_id", f.AccessKeyID, false)
	number("key_slot", f.KeySlot, f.KeySlot != 0, true)
	dst = append(dst, prefix...)
	dst = append(dst, '}')
	return dst
}

func end(dst []byte, last bool) []byte {
	if last {
		return append(dst, '\n')
	}
	return append(dst, ",\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json writes
// it with HTML escaping off: quotes, backslashes and control characters
// escaped, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
