package authexport

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// limit passes in through a limiter of the given limit, reading it in the
// pieces split gives, and returns what the decoder would see and the cuts.
func limit(t *testing.T, max int64, r io.Reader) (string, []cut) {
	t.Helper()
	l := newLimiter(r)
	l.max = max
	out, err := io.ReadAll(l)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), l.cuts
}

// splitReader returns the input in two reads, split at n.
type splitReader struct {
	parts [][]byte
}

func (r *splitReader) Read(p []byte) (int, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

func TestLimiter(t *testing.T) {
	const max = 8
	tests := []struct {
		name string
		in   string
		want string
		cuts []cut
	}{
		{"nothing to cut", `{"a": [1, true, null, "12345678", -1.5e+3], "b": {}}`,
			`{"a": [1, true, null, "12345678", -1.5e+3], "b": {}}`, nil},
		{"a string of N+1 bytes", `["123456789", 1]`,
			`["12345678", 1]`, []cut{{start: 1, at: 10, size: 9, dropped: 1}}},
		{"a long string", `{"k": "` + string(bytes.Repeat([]byte("x"), 100)) + `"}`,
			`{"k": "xxxxxxxx"}`, []cut{{start: 6, at: 15, size: 100, dropped: 92}}},
		{"a long key", `{"kkkkkkkkkkkk": 1}`,
			`{"kkkkkkkk": 1}`, []cut{{start: 1, at: 10, size: 12, dropped: 4}}},
		{"escaped quotes do not end it", `["ab\"cdefghij"]`,
			`["ab\"cdef"]`, []cut{{start: 1, at: 10, size: 12, dropped: 4}}},
		{"an escaped backslash before the quote", `["abc\\", "123456789"]`,
			`["abc\\", "12345678"]`, []cut{{start: 10, at: 19, size: 9, dropped: 1}}},
		{"not inside an escape", `["1234567\n9"]`,
			`["1234567\n"]`, []cut{{start: 1, at: 11, size: 10, dropped: 1}}},
		{"not inside a \\u escape", `["123456\u00e9abc"]`,
			`["123456\u00e9"]`, []cut{{start: 1, at: 14, size: 15, dropped: 3}}},
		{"not inside a surrogate pair", `["1234567\ud83d\ude00abc"]`,
			`["1234567\ud83d\ude00"]`, []cut{{start: 1, at: 21, size: 22, dropped: 3}}},
		{"not inside a UTF-8 sequence", `["1234567é9"]`,
			`["1234567é"]`, []cut{{start: 1, at: 11, size: 10, dropped: 1}}},
		{"a number of N+1 digits", `[123456789, 2]`,
			`[12345678, 2]`, []cut{{start: 1, at: 9, size: 9, dropped: 1}}},
		{"a number is cut after a digit", `[1234567.89e+123]`,
			`[1234567.8]`, []cut{{start: 1, at: 10, size: 15, dropped: 6}}},
		{"two cuts", `["123456789", "abcdefghijk", 3]`,
			`["12345678", "abcdefgh", 3]`, []cut{{start: 1, at: 10, size: 9, dropped: 1}, {start: 13, at: 22, size: 11, dropped: 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readers := map[string]func() io.Reader{
				"whole":            func() io.Reader { return bytes.NewReader([]byte(tt.in)) },
				"a byte at a time": func() io.Reader { return iotest.OneByteReader(bytes.NewReader([]byte(tt.in))) },
			}
			for i := 1; i < len(tt.in); i++ {
				readers["split at "+string(rune('0'+i%10))+"…"+tt.in[:i]] = func() io.Reader {
					in := []byte(tt.in)
					return &splitReader{parts: [][]byte{in[:i:i], in[i:]}}
				}
			}
			for how, r := range readers {
				got, cuts := limit(t, max, r())
				if got != tt.want {
					t.Errorf("%s: got %s, want %s", how, got, tt.want)
				}
				if diff := cmp.Diff(tt.cuts, cuts, cmp.AllowUnexported(cut{})); diff != "" {
					t.Errorf("%s: cuts (-want +got):\n%s", how, diff)
				}
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(tt.want)) {
				t.Errorf("cutting valid JSON gave invalid JSON %s", tt.want)
			}
		})
	}
}

func TestLimiter_offset(t *testing.T) {
	in := `["123456789", "abcdefghijk", 3]`
	l := newLimiter(bytes.NewReader([]byte(in)))
	l.max = 8
	out, err := io.ReadAll(l)
	if err != nil {
		t.Fatal(err)
	}
	// Every byte kept maps back to the same byte of the input.
	for off := range int64(len(out)) {
		if got := l.offset(off); in[got] != out[off] {
			t.Errorf("offset(%d) = %d: %q in the input, %q passed on", off, got, in[got], out[off])
		}
	}
	if c, ok := l.cutAt(13); !ok || c.size != 11 {
		t.Errorf("cutAt(13) = %+v, %v; want the cut of the second string", c, ok)
	}
	if _, ok := l.cutAt(12); ok {
		t.Error("cutAt(12) found a cut: no token starts there")
	}
	if c, ok := l.cutIn(0, int64(len(out))); !ok || c.start != 1 {
		t.Errorf("cutIn(whole) = %+v, %v; want the first cut", c, ok)
	}
}

// FuzzLimiter checks that the limiter passes valid JSON on as valid JSON
// however it is cut, and leaves it alone when nothing is too long, whatever
// the pieces it is read in.
func FuzzLimiter(f *testing.F) {
	for _, s := range []string{`{"a": "b"}`, `["1234567\ud83d\ude00abc"]`, `[1234567.89e+123, "x\\"]`, `{"kkkkkkkkkkkk": [true, null]}`, `"é日本\u2028"`} {
		f.Add([]byte(s), uint8(4), uint16(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint8, split uint16) {
		at := int(split) % (len(in) + 1)
		read := func(max int64) string {
			l := newLimiter(&splitReader{parts: [][]byte{append([]byte(nil), in[:at]...), append([]byte(nil), in[at:]...)}})
			l.max = max
			out, err := io.ReadAll(l)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		if got := read(int64(len(in)) + 1); got != string(in) {
			t.Fatalf("with nothing to cut, %q became %q", in, got)
		}
		if json.Valid(in) {
			if got := read(int64(max) + 1); !json.Valid([]byte(got)) {
				t.Fatalf("valid %q became invalid %q", in, got)
			}
		}
	})
}
