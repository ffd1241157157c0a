package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// The errors Verify returns. A token that fails any check changes nothing;
// the pages say which check failed, in words a person can act on.
var (
	// ErrMalformed: not a token of this form (a truncated or mangled link).
	ErrMalformed = errors.New("the link is not a valid decision link (truncated or changed?)")
	// ErrForged: the signature does not match: the token was not made
	// with this service's link key.
	ErrForged = errors.New("the link's signature does not match: it was not issued by this service")
	// ErrExpired: the token is past its expiry.
	ErrExpired = errors.New("the link has expired")
)

// Token layout, before base64url (no padding): a version byte, 32 random
// bytes, the expiry in Unix seconds (8 bytes, big-endian), and the
// HMAC-SHA256 of everything before it (32 bytes).
const (
	version     = 1
	randomLen   = 32
	expiryLen   = 8
	macLen      = sha256.Size
	payloadLen  = 1 + randomLen + expiryLen
	tokenLen    = payloadLen + macLen
	encodedLen  = (tokenLen*8 + 5) / 6
	minKeyBytes = 32
)

var encoding = base64.RawURLEncoding.Strict()

// MinKeyBytes is the shortest link key Signer accepts.
const MinKeyBytes = minKeyBytes

// Signer issues and verifies tokens under one key.
type Signer struct {
	key  []byte
	rand io.Reader
}

// NewSigner returns a signer with key (at least MinKeyBytes bytes) that
// draws its random bytes from rand (crypto/rand.Reader in production).
func NewSigner(key []byte, rand io.Reader) (*Signer, error) {
	if len(key) < minKeyBytes {
		return nil, fmt.Errorf("the link key has %d bytes: it needs at least %d", len(key), minKeyBytes)
	}
	return &Signer{key: append([]byte(nil), key...), rand: rand}, nil
}

// Token is an issued token: the string for the link, the hash the store
// keeps, and its expiry.
type Token struct {
	// Text is what goes into the link's path (base64url, 98 characters).
	Text string
	// Hash is the SHA-256 of the token's bytes: the store's key for it.
	Hash []byte
	// Expires is when it stops working, to the second.
	Expires time.Time
}

// Issue makes a new token that expires at expires (truncated to the
// second).
func (s *Signer) Issue(expires time.Time) (Token, error) {
	raw := make([]byte, payloadLen, tokenLen)
	raw[0] = version
	if _, err := io.ReadFull(s.rand, raw[1:1+randomLen]); err != nil {
		return Token{}, fmt.Errorf("draw a link token's random bytes: %w", err)
	}
	binary.BigEndian.PutUint64(raw[1+randomLen:], uint64(expires.Unix()))
	raw = append(raw, s.mac(raw[:payloadLen])...)
	h := sha256.Sum256(raw)
	return Token{Text: encoding.EncodeToString(raw), Hash: h[:], Expires: time.Unix(expires.Unix(), 0).UTC()}, nil
}

// Verify checks text's form, then its signature, then its expiry against
// now, and returns its hash and expiry. It returns ErrMalformed, ErrForged
// or ErrExpired (the hash and expiry are set with ErrExpired, so that the
// caller can log which link it was).
func (s *Signer) Verify(text string, now time.Time) (hash []byte, expires time.Time, err error) {
	if len(text) != encodedLen {
		return nil, time.Time{}, ErrMalformed
	}
	raw, err := encoding.DecodeString(text)
	if err != nil || len(raw) != tokenLen || raw[0] != version {
		return nil, time.Time{}, ErrMalformed
	}
	if !hmac.Equal(raw[payloadLen:], s.mac(raw[:payloadLen])) {
		return nil, time.Time{}, ErrForged
	}
	secs := binary.BigEndian.Uint64(raw[1+randomLen : payloadLen])
	if secs > 1<<62 {
		return nil, time.Time{}, ErrMalformed
	}
	expires = time.Unix(int64(secs), 0).UTC()
	h := sha256.Sum256(raw)
	if !now.Before(expires) {
		return h[:], expires, ErrExpired
	}
	return h[:], expires, nil
}

// HashOf returns the store's hash of a token's text without checking it
// (nil when it is not even base64url): for logging which link a request
// named. Verify is the check.
func HashOf(text string) []byte {
	raw, err := encoding.DecodeString(text)
	if err != nil {
		return nil
	}
	h := sha256.Sum256(raw)
	return h[:]
}

// Sum returns HMAC-SHA256 under the signer's key of a purpose and parts,
// each length-prefixed so that no two inputs collide: for the values the
// service derives from the link key (CSRF tokens, session cookies).
func (s *Signer) Sum(purpose string, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, s.key)
	write := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		m.Write(n[:])
		m.Write(b)
	}
	write([]byte("iamsweep " + purpose))
	for _, p := range parts {
		write(p)
	}
	return m.Sum(nil)
}

func (s *Signer) mac(payload []byte) []byte {
	return s.Sum("link-token", payload)
}
