package authexport

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// maxToken is the most bytes of one JSON string (its content), number or
// literal that reach the decoder. No IAM value comes near it: names are at
// most 128 characters, ARNs 2,048, policy documents 10,240.
const maxToken = 1 << 20

// limiter sits between an export and the JSON decoder and keeps every
// string, number and literal at most maxToken bytes long: it passes the
// first maxToken bytes of a longer one and drops the rest as it streams
// past. The decoder buffers a whole token before it can skip it (a 1 GB
// string under a member iamsweep does not read cost 3 GB), so this is what
// makes skipping stream. A cut token must never be taken for the value it
// was: whoever reads a value asks cutAt or cutIn and rejects a cut one.
//
// It is a lexer, not a parser: it follows strings (quotes and escapes)
// and the runs of other bytes between JSON's structural characters and
// whitespace, and leaves every syntax error to the decoder.
type limiter struct {
	r   io.Reader
	max int64 // maxToken, but for tests

	out int64 // bytes passed on so far: the decoder's offsets

	inString bool
	esc      int    // in a string: -1 after a backslash, else escape bytes still to come
	hex      uint16 // the \u escape being read
	high     bool   // the last character was a \u escape of a high surrogate
	run      int64  // bytes of the current string content or bare run
	digit    bool   // the last byte of the bare run kept is a digit
	start    int64  // decoder offset of the current token
	dropping bool   // the rest of the current token is being dropped

	cuts    []cut
	dropped int64 // bytes dropped in all
}

// cut is a token the limiter shortened.
type cut struct {
	// start is the decoder offset of the token (of a string's quote) and
	// at the decoder offset right after the bytes kept, where the dropped
	// ones were.
	start, at int64
	// size is the token's length in the input (a string's content).
	size int64
	// dropped is the bytes dropped up to and including this cut.
	dropped int64
}

func newLimiter(r io.Reader) *limiter { return &limiter{r: r, max: maxToken} }

// Read reads from the underlying reader and passes on what is kept.
func (l *limiter) Read(p []byte) (int, error) {
	if len(p) > maxChunk {
		p = p[:maxChunk]
	}
	for {
		n, err := l.r.Read(p)
		m := l.filter(p[:n])
		if m > 0 || err != nil || n == 0 {
			return m, err
		}
		// Everything read was dropped: read on rather than return 0, nil.
	}
}

// maxChunk is the most bytes filtered at a time, well under maxToken so
// that the quick path applies.
const maxChunk = maxToken / 4

// filter compacts buf in place to the bytes that are kept and returns
// their number.
func (l *limiter) filter(buf []byte) int {
	if l.quick(buf) {
		l.out += int64(len(buf))
		return len(buf)
	}
	w, i := 0, 0
	// keep passes on the next k bytes.
	keep := func(k int) {
		if w < i {
			copy(buf[w:], buf[i:i+k])
		}
		w += k
		i += k
	}
	// The next quote and backslash at or after i, found again only once
	// passed: looking for them afresh at every escape would take time
	// quadratic in the length of a run of escapes.
	quote, backslash := -1, -1
	next := func(c byte, from int) int {
		if k := bytes.IndexByte(buf[from:], c); k >= 0 {
			return from + k
		}
		return len(buf)
	}
	for i < len(buf) {
		if quote < i {
			quote = next('"', i)
		}
		rest := buf[i:]
		end := quote - i
		if !l.inString {
			// Up to the next string: structure, whitespace, numbers and
			// literals. Kept whole when no run in it can be too long.
			if end > 0 && l.run+int64(end) <= l.max {
				l.endRun(rest[:end], l.out+int64(w))
				keep(end)
				continue
			}
			for stop := i + max(end, 1); i < stop; i++ {
				if l.dropping { // the rest of a long number: drop it at once
					k := 0
					for i+k < stop && !isSeparator[buf[i+k]] {
						k++
					}
					l.run += int64(k)
					l.dropped += int64(k)
					if i += k; i == stop {
						break
					}
				}
				if l.stepOutside(buf[i], l.out+int64(w)) {
					buf[w] = buf[i]
					w++
				}
			}
			continue
		}
		// In a string: plain content runs up to the next quote or
		// backslash.
		if l.esc == 0 {
			if backslash < i {
				backslash = next('\\', i)
			}
			end = min(end, backslash-i)
			if end > 0 {
				if l.dropping {
					l.run += int64(end)
					l.dropped += int64(end)
					i += end
					continue
				}
				k := end
				if l.run+int64(end) >= l.max {
					k = l.cutPoint(rest[:end])
				}
				l.run += int64(k)
				if k > 0 {
					l.high = false
				}
				keep(k)
				if k < end {
					l.drop(l.out + int64(w))
				}
				continue
			}
		}
		if l.stepString(buf[i], l.out+int64(w)) {
			buf[w] = buf[i]
			w++
		}
		i++
	}
	l.out += int64(w)
	return w
}

// quick takes a whole buffer in the common case: no token in it can reach
// maxToken (the buffer is short and the token in progress is not long),
// nothing is being dropped, and it holds no backslash, so that every quote
// in it starts or ends a string. It then only counts quotes to know where
// the buffer leaves off, and reports true; otherwise it changes nothing.
func (l *limiter) quick(buf []byte) bool {
	if l.dropping || l.esc != 0 || l.run+int64(len(buf)) >= l.max || bytes.IndexByte(buf, '\\') >= 0 {
		return false
	}
	rest, off := buf, l.out
	if l.inString {
		q := bytes.IndexByte(buf, '"')
		if q < 0 {
			l.run += int64(len(buf))
			if len(buf) > 0 {
				l.high = false
			}
			return true
		}
		l.inString, l.run = false, 0
		rest, off = buf[q+1:], off+int64(q+1)
	}
	if bytes.Count(rest, []byte{'"'})%2 == 1 {
		last := bytes.LastIndexByte(rest, '"')
		l.inString, l.esc, l.high = true, 0, false
		l.run, l.start = int64(len(rest)-last-1), off+int64(last)
		return true
	}
	l.endRun(rest, off)
	return true
}

// endRun updates the current number or literal after stretch, a stretch
// between strings that starts at decoder offset off: the run that ends it
// is what follows its last separator or quote, or continues the current
// run when there is none.
func (l *limiter) endRun(stretch []byte, off int64) {
	j := len(stretch)
	for j > 0 && !isSeparator[stretch[j-1]] {
		j--
	}
	if j > 0 {
		l.run = 0
	}
	if n := len(stretch) - j; n > 0 {
		if l.run == 0 {
			l.start = off + int64(j)
		}
		l.run += int64(n)
		c := stretch[len(stretch)-1]
		l.digit = '0' <= c && c <= '9'
	}
}

// isSeparator tells the bytes that end a number or literal: JSON's
// whitespace, its structural characters, and a quote.
var isSeparator = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\r{}[],:\"") {
		t[c] = true
	}
	return t
}()

// cutPoint returns how much of plain string content (no quote or
// backslash) to keep before cutting: up to maxToken bytes of content and
// on to the next place that does not split a UTF-8 sequence or a surrogate
// pair (invalid input gets 16 bytes of grace and is cut anyway, for the
// decoder to reject).
func (l *limiter) cutPoint(plain []byte) int {
	k := int(max(l.max-l.run, 0))
	if k == 0 && l.high && l.run < l.max+16 {
		k = 1 // after a high surrogate: keep the character after it
	}
	for k < len(plain) && isContinuation(plain[k]) && l.run+int64(k) < l.max+16 {
		k++
	}
	return min(k, len(plain))
}

// stepOutside takes one byte between strings and reports whether it is
// kept; off is its decoder offset if it is.
func (l *limiter) stepOutside(c byte, off int64) bool {
	if isSeparator[c] {
		if l.run > 0 {
			l.endToken(l.run)
		}
		if c == '"' {
			l.inString, l.esc, l.high, l.run, l.start = true, 0, false, 0, off
		}
		return true
	}
	// A byte of a number or literal (or of invalid input). A number is cut
	// after a digit, so that what is kept is still a number.
	if l.run == 0 {
		l.start = off
	}
	l.run++
	if l.dropping || l.run > l.max && (l.digit || l.run > l.max+16) {
		l.drop(off)
		l.dropped++
		return false
	}
	l.digit = '0' <= c && c <= '9'
	return true
}

// stepString takes one byte of a string that is not plain content (a
// quote, or part of an escape) and reports whether it is kept; off is its
// decoder offset if it is.
func (l *limiter) stepString(c byte, off int64) bool {
	if c == '"' && l.esc == 0 {
		l.inString = false
		if l.dropping {
			l.endToken(l.run)
		}
		l.run = 0
		return true
	}
	if !l.dropping && l.run >= l.max && (l.esc == 0 && !l.high || l.run >= l.max+16) {
		l.drop(off)
	}
	l.run++
	switch {
	case l.esc == -1:
		l.esc = 0
		if c == 'u' {
			l.esc, l.hex = 4, 0
		} else {
			l.high = false
		}
	case l.esc > 0:
		l.esc--
		l.hex = l.hex<<4 | uint16(unhex(c))
		if l.esc == 0 {
			l.high = 0xD800 <= l.hex && l.hex < 0xDC00
		}
	case c == '\\':
		l.esc = -1
	default: // invalid input, such as a control character
		l.high = false
	}
	if l.dropping {
		l.dropped++
		return false
	}
	return true
}

// drop starts dropping the current token, unless it is being dropped
// already; at is the decoder offset where the dropped bytes are.
func (l *limiter) drop(at int64) {
	if !l.dropping {
		l.dropping = true
		l.cuts = append(l.cuts, cut{start: l.start, at: at})
	}
}

// endToken ends the current token (a bare run ends at the byte after it)
// and, when it was cut, records its size.
func (l *limiter) endToken(size int64) {
	if l.dropping {
		c := &l.cuts[len(l.cuts)-1]
		c.size, c.dropped = size, l.dropped
		l.dropping = false
	}
	l.run = 0
}

func isContinuation(c byte) bool { return c >= 0x80 && !utf8.RuneStart(c) }

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// offset converts a decoder offset into an offset in the input.
func (l *limiter) offset(off int64) int64 {
	if off < 0 {
		return off
	}
	i := sort.Search(len(l.cuts), func(i int) bool { return l.cuts[i].at > off })
	if i == 0 {
		return off
	}
	c := l.cuts[i-1]
	if c.size == 0 { // the last cut, still dropping
		return off + l.dropped
	}
	return off + c.dropped
}

// cutAt returns the cut of the token that starts at decoder offset start.
func (l *limiter) cutAt(start int64) (cut, bool) {
	return l.cutIn(start, start+1)
}

// cutIn returns the first cut of a token that starts in the decoder
// offsets [from, to).
func (l *limiter) cutIn(from, to int64) (cut, bool) {
	i := sort.Search(len(l.cuts), func(i int) bool { return l.cuts[i].start >= from })
	if i < len(l.cuts) && l.cuts[i].start < to {
		c := l.cuts[i]
		if c.size == 0 {
			c.size = l.run // the token has not ended yet
		}
		return c, true
	}
	return cut{}, false
}

// tooLong is the error for a value the limiter cut: size is its length
// (0 when not known) and kept what reached the decoder of it.
func tooLong(size int64, kept string) error {
	what := fmt.Sprintf("a value of %d bytes", size)
	if size == 0 {
		what = fmt.Sprintf("a value of more than %d bytes", maxToken)
	}
	err := fmt.Errorf("%s is longer than any IAM value (iamsweep reads at most %d)", what, maxToken)
	if kept != "" {
		err = fmt.Errorf("%w: %s", err, iamsweep.Quote(kept))
	}
	return err
}
