// Package serve is the web side of iamsweep serve: the decision pages a
// notice's links open, and the operators' dashboard, over the state
// database.
//
// Decision links (/d/{token}) are safe to fetch: a GET or HEAD verifies the
// token (form, signature, expiry, then the store: known and unused) and
// shows a confirmation page, and changes nothing, since mail security
// scanners fetch every link in a message. Only the POST from that page
// acts, carrying a CSRF value bound to the link token and to a cookie the
// page set (a signed double submit), and it acts once: the store marks the
// token used and records the decision in one transaction. A forged,
// expired, reused or unknown link, or a request with a wrong method or
// CSRF value, gets a page saying so, changes nothing and is logged (with
// the token's hash prefix, never the token).
//
// The dashboard needs a sign-in with the dashboard token (compared in
// constant time); the session is a signed cookie (HttpOnly, SameSite=Strict,
// Secure when served over HTTPS). Every page is server-rendered with
// html/template and runs no script; the Content-Security-Policy allows
// nothing but the service's own style sheet.
//
// Layer: entry point. It may import anything; it reaches AWS only through
// the restore function it is given.
package serve
