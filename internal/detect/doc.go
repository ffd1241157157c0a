// Package detect holds iamsweep's verdict rules: which principals are
// unused, used or exempt, and why. It knows the allowlist pattern language
// and the built-in list of roles that AWS or an organization's control plane
// manages.
//
// Layer: pure. No I/O, no clock: the evaluation time comes in through
// Options.Now.
package detect
