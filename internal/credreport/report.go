package credreport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// RootUser is the user column of the root user's row.
const RootUser = "<root_account>"

// required are the columns iamsweep reads; a report without one of them is
// rejected.
var required = []string{
	"user", "arn", "user_creation_time",
	"password_enabled", "password_last_used", "password_last_changed",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
	"access_key_2_last_used_region", "access_key_2_last_used_service",
}

// Parse reads a credential report and returns one user per row, with
// HasCredentials set and the details of the authorization export (ID, tags,
// groups, policies) left empty. The root user's row becomes a user with
// Root set. source names the report in errors, which are
// *iamsweep.InputError values naming the line and column.
func Parse(r io.Reader, source string) ([]iamsweep.User, error) {
	br := bufio.NewReader(&rowLimit{r: r, line: 1})
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked below, with a better message
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &iamsweep.InputError{Source: source, Offset: -1, Err: errors.New("file is empty: want a credential report (CSV with a header row)")}
	}
	if err != nil {
		return nil, csvError(source, err)
	}
	col := make(map[string]int, len(header))
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	for _, name := range required {
		if _, ok := col[name]; !ok {
			return nil, &iamsweep.InputError{Source: source, Line: 1, Offset: -1,
				Err: fmt.Errorf("not a credential report: the header has no %q column", name)}
		}
	}
	width := len(header)

	var users []iamsweep.User
	seen := map[iamsweep.PrincipalKey]seenUser{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(source, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != width {
			msg := fmt.Errorf("row has %d fields, the header %d", len(rec), width)
			if len(rec) < width {
				if _, peekErr := br.Peek(1); errors.Is(peekErr, io.EOF) {
					msg = fmt.Errorf("row has %d of the header's %d fields: the file looks cut short", len(rec), width)
				}
			}
			return nil, &iamsweep.InputError{Source: source, Line: line, Offset: -1, Err: msg}
		}
		u, err := parseRow(rec, col)
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				return nil, &iamsweep.InputError{Source: source, Line: line, Offset: -1, Field: fe.column, Err: fe.err}
			}
			return nil, &iamsweep.InputError{Source: source, Line: line, Offset: -1, Err: err}
		}
		key := iamsweep.NewPrincipalKey(u.AccountID, "user", u.Name)
		if first, ok := seen[key]; ok {
			return nil, &iamsweep.InputError{Source: source, Line: line, Offset: -1,
				Err: duplicateUser(u.ARN, first)}
		}
		seen[key] = seenUser{line: line, arn: u.ARN}
		users = append(users, u)
	}
	return users, nil
}

// seenUser is where a user's row was read.
type seenUser struct {
	line int
	arn  string
}

// duplicateUser says that the row of arn repeats the user of an earlier
// row: two rows would give two verdicts and two plan actions for one user.
func duplicateUser(arn string, first seenUser) error {
	if arn == first.arn {
		return fmt.Errorf("user %s is also on line %d: a credential report has one row per user", iamsweep.Quote(arn), first.line)
	}
	return fmt.Errorf("user %s is also on line %d, as %s (IAM user names are unique regardless of case and path): a credential report has one row per user",
		iamsweep.Quote(arn), first.line, iamsweep.Quote(first.arn))
}

type fieldError struct {
	column string
	err    error
}

func (e *fieldError) Error() string { return e.column + ": " + e.err.Error() }

// row reads the values of one record by column name.
type row struct {
	rec []string
	col map[string]int
}

func (r row) get(name string) string {
	i, ok := r.col[name]
	if !ok {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// time parses a timestamp column; the sentinels give the zero time and
// known=false.
func (r row) time(name string) (t time.Time, known bool, err error) {
	v := r.get(name)
	switch v {
	case "", "N/A", "no_information", "not_supported":
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, &fieldError{name, fmt.Errorf("invalid timestamp %s: want ISO 8601 such as 2016-02-10T15:58:34+00:00, N/A or no_information", iamsweep.Quote(v))}
	}
	return t.UTC(), true, nil
}

// bool parses a true/false column; not_supported and N/A are false.
func (r row) bool(name string) (bool, error) {
	v := r.get(name)
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false", "not_supported", "n/a", "":
		return false, nil
	}
	return false, &fieldError{name, fmt.Errorf("invalid value %s: want true, false or not_supported", iamsweep.Quote(v))}
}

// text returns a text column with the report's sentinels read as "".
func (r row) text(name string) string {
	switch v := r.get(name); v {
	case "N/A", "not_supported", "no_information":
		return ""
	default:
		return v
	}
}

func parseRow(rec []string, col map[string]int) (iamsweep.User, error) {
	r := row{rec: rec, col: col}
	u := iamsweep.User{Name: r.get("user"), ARN: r.get("arn"), HasCredentials: true}
	if u.Name == "" {
		return u, &fieldError{"user", errors.New("empty user name")}
	}
	arn, err := iamsweep.ParseARN(u.ARN)
	if err != nil {
		return u, &fieldError{"arn", err}
	}
	u.AccountID = arn.AccountID
	u.Root = u.Name == RootUser
	if !u.Root {
		if u.Path, _, err = arn.IAMResource("user"); err != nil {
			return u, &fieldError{"arn", err}
		}
	}
	if u.Created, _, err = r.time("user_creation_time"); err != nil {
		return u, err
	}

	enabled, err := r.bool("password_enabled")
	if err != nil {
		return u, err
	}
	if enabled {
		p := &iamsweep.Password{}
		if p.LastUsed, _, err = r.time("password_last_used"); err != nil {
			return u, err
		}
		if p.LastChanged, _, err = r.time("password_last_changed"); err != nil {
			return u, err
		}
		u.Password = p
	}
	if u.MFAActive, err = r.bool("mfa_active"); err != nil {
		return u, err
	}
	for slot := 1; slot <= 2; slot++ {
		prefix := "access_key_" + strconv.Itoa(slot) + "_"
		active, err := r.bool(prefix + "active")
		if err != nil {
			return u, err
		}
		created, hasKey, err := r.time(prefix + "last_rotated")
		if err != nil {
			return u, err
		}
		if !active && !hasKey {
			continue // no key in this slot
		}
		k := iamsweep.AccessKey{Slot: slot, Active: active, Created: created}
		if k.LastUsed.Time, _, err = r.time(prefix + "last_used_date"); err != nil {
			return u, err
		}
		if !k.LastUsed.Time.IsZero() {
			k.LastUsed.Region = r.text(prefix + "last_used_region")
			k.LastUsedService = r.text(prefix + "last_used_service")
		}
		u.AccessKeys = append(u.AccessKeys, k)
	}
	for slot := 1; slot <= 2; slot++ {
		active, err := r.bool("cert_" + strconv.Itoa(slot) + "_active")
		if err != nil {
			return u, err
		}
		if active {
			u.ActiveCertificates++
		}
	}
	return u, nil
}

// csvError converts an encoding/csv error into an InputError with its line.
func csvError(source string, err error) error {
	var pe *csv.ParseError
	var long *rowTooLong
	switch {
	case errors.As(err, &long):
		return &iamsweep.InputError{Source: source, Line: long.line, Offset: -1,
			Err: fmt.Errorf("a row of more than %d bytes: no credential report row is this long", maxRow)}
	case errors.As(err, &pe):
		return &iamsweep.InputError{Source: source, Line: pe.Line, Offset: -1, Err: fmt.Errorf("invalid CSV: %w", pe.Err)}
	}
	return &iamsweep.InputError{Source: source, Offset: -1, Err: fmt.Errorf("read credential report: %w", err)}
}

// maxRow is the longest row Parse reads. A credential report row is a few
// hundred bytes; reading a longer one whole would cost memory in
// proportion (encoding/csv holds a row at a time).
const maxRow = 1 << 20

// rowLimit passes a CSV input on until a row (a line, with the lines a
// quoted field spans) passes maxRow bytes, and then fails with
// *rowTooLong.
type rowLimit struct {
	r      io.Reader
	line   int   // the line being read, from 1
	start  int   // the line the row being read started on
	n      int64 // bytes of the row so far
	quoted bool  // in a quoted field
	err    error
}

// rowTooLong says that the row that starts on line is over maxRow bytes.
type rowTooLong struct{ line int }

func (e *rowTooLong) Error() string { return fmt.Sprintf("line %d: row over %d bytes", e.line, maxRow) }

func (l *rowLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if l.n == 0 {
			l.start = l.line
		}
		l.n++
		switch {
		case c == '"':
			l.quoted = !l.quoted // "" inside a quoted field toggles twice
		case c == '\n':
			l.line++
			if !l.quoted {
				l.n = 0
			}
		}
		if l.n > maxRow {
			l.err = &rowTooLong{line: l.start}
			return i, l.err
		}
	}
	return n, err
}
