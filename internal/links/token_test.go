package links

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
)

// counter is a deterministic random source: 0, 1, 2, ...
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

func newTestSigner(t testing.TB, key string) *Signer {
	t.Helper()
	s, err := NewSigner([]byte(strings.Repeat(key, 32)[:32]), &counter{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestSigner_IssueVerify(t *testing.T) {
	s := newTestSigner(t, "k")
	tok, err := s.Issue(t0.Add(72*time.Hour + 500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Text) != 98 {
		t.Errorf("token length %d, want 98", len(tok.Text))
	}
	if !tok.Expires.Equal(t0.Add(72 * time.Hour)) {
		t.Errorf("expires %v, want it truncated to the second", tok.Expires)
	}
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"just issued", t0, nil},
		{"a second before expiry", tok.Expires.Add(-time.Second), nil},
		{"at expiry", tok.Expires, ErrExpired},
		{"after expiry", tok.Expires.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, exp, err := s.Verify(tok.Text, tt.now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if !bytes.Equal(hash, tok.Hash) || !exp.Equal(tok.Expires) {
				t.Errorf("hash %x exp %v, want %x %v", hash, exp, tok.Hash, tok.Expires)
			}
		})
	}
	if !bytes.Equal(HashOf(tok.Text), tok.Hash) {
		t.Error("HashOf differs from the issued hash")
	}
}

func TestSigner_IssueIsRandom(t *testing.T) {
	s := newTestSigner(t, "k")
	a, _ := s.Issue(t0)
	b, _ := s.Issue(t0)
	if a.Text == b.Text || bytes.Equal(a.Hash, b.Hash) {
		t.Error("two tokens with the same expiry are equal")
	}
}

func TestSigner_VerifyRefuses(t *testing.T) {
	s := newTestSigner(t, "k")
	tok, err := s.Issue(t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other := newTestSigner(t, "other")
	forgedByOther, _ := other.Issue(t0.Add(time.Hour))

	// Same random bytes, expiry moved a day later, old signature kept.
	raw, _ := encoding.DecodeString(tok.Text)
	raw[1+randomLen+7]++
	movedExpiry := encoding.EncodeToString(raw)
	raw, _ = encoding.DecodeString(tok.Text)
	raw[0] = 2
	badVersion := encoding.EncodeToString(raw)

	flip := func(i int) string {
		b := []byte(tok.Text)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name string
		text string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"truncated", tok.Text[:97], ErrMalformed},
		{"longer", tok.Text + "A", ErrMalformed},
		{"padded", tok.Text[:96] + "==", ErrMalformed},
		{"standard base64 alphabet", strings.Repeat("+", 98), ErrMalformed},
		{"wrong version", badVersion, ErrMalformed},
		{"other key", forgedByOther.Text, ErrForged},
		{"expiry moved", movedExpiry, ErrForged},
		{"first character changed", flip(0), ErrMalformed}, // the version byte
		{"a random byte changed", flip(10), ErrForged},
		{"the signature changed", flip(90), ErrForged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := s.Verify(tt.text, t0); !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q): %v, want %v", tt.text, err, tt.want)
			}
		})
	}
}

func TestSigner_NonCanonicalEncoding(t *testing.T) {
	// The last character of 98 carries 2 bits of data and 4 of padding:
	// a decoder that ignored those would accept 16 spellings of one token.
	s := newTestSigner(t, "k")
	tok, _ := s.Issue(t0.Add(time.Hour))
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	accepted := 0
	for _, c := range alphabet {
		text := tok.Text[:97] + string(c)
		if _, _, err := s.Verify(text, t0); err == nil {
			accepted++
			if text != tok.Text {
				t.Errorf("accepted a second spelling %q", text)
			}
		}
	}
	if accepted != 1 {
		t.Errorf("accepted %d spellings, want 1", accepted)
	}
}

func TestNewSigner_ShortKey(t *testing.T) {
	if _, err := NewSigner(make([]byte, 31), &counter{}); err == nil {
		t.Error("a 31-byte key was accepted")
	}
}

func TestSigner_RandomFails(t *testing.T) {
	s, _ := NewSigner(make([]byte, 32), bytes.NewReader(make([]byte, 10)))
	if _, err := s.Issue(t0); err == nil {
		t.Error("Issue succeeded on a short random source")
	}
}

func TestSigner_Sum(t *testing.T) {
	s := newTestSigner(t, "k")
	a := s.Sum("csrf", []byte("ab"), []byte("c"))
	b := s.Sum("csrf", []byte("a"), []byte("bc"))
	c := s.Sum("session", []byte("ab"), []byte("c"))
	if bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Error("Sum collides across part boundaries or purposes")
	}
	if len(a) != sha256.Size {
		t.Errorf("Sum has %d bytes", len(a))
	}
}

func FuzzSigner_Verify(f *testing.F) {
	s := newTestSigner(f, "k")
	tok, _ := s.Issue(t0.Add(time.Hour))
	f.Add(tok.Text)
	f.Add(tok.Text[:97] + "B")
	f.Add("")
	f.Add(strings.Repeat("A", 98))
	f.Add(strings.Repeat("_", 98))
	f.Add("../../etc/passwd")
	f.Fuzz(func(t *testing.T, text string) {
		hash, exp, err := s.Verify(text, t0)
		switch {
		case err == nil:
			// Only the one issued token verifies; any other text that
			// did would be a forgery.
			if text != tok.Text {
				t.Fatalf("Verify accepted %q", text)
			}
			if !bytes.Equal(hash, tok.Hash) || !exp.Equal(tok.Expires) {
				t.Fatal("Verify returned another hash or expiry")
			}
		case errors.Is(err, ErrExpired):
			if hash == nil {
				t.Fatal("an expired token without its hash")
			}
		case errors.Is(err, ErrMalformed), errors.Is(err, ErrForged):
			if hash != nil {
				t.Fatal("a refused token with a hash")
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
