// Package report renders scan results for people and machines: a table,
// JSON and CSV.
//
// Layer: pure. Encoders write to an io.Writer and read no clock; the
// evaluation time they print comes from the result.
package report
