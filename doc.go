// Package iamsweep holds the domain of iamsweep: the IAM principals it
// evaluates (Role and its parts), the verdicts and findings it produces, the
// errors every layer shares, and the interfaces (Inventory) through which the
// services reach AWS.
//
// The package is pure: it imports only the standard library, does no I/O and
// never sees an AWS SDK type. Adapters under internal/ convert to and from
// these types at their edge.
package iamsweep
