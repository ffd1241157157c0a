// Package links makes and checks the tokens of the decision links a notice
// carries (Keep, Remove, Snooze): 32 random bytes and an expiry, signed
// with HMAC-SHA256 under the service's link key. A token is unguessable
// (256 random bits), cannot be forged or have its expiry moved without the
// key, and is single-use: the store keeps only its SHA-256 hash (Hash)
// with what it decides, and marks it used in the transaction that records
// the decision. Verify checks, in that order, the form, the signature and
// the expiry; the caller then looks the hash up in the store.
//
// Layer: pure. It imports the standard library only and does no I/O; the
// random source is an io.Reader the caller gives.
package links
