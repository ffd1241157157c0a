// Package config defines iamsweep's settings: their names, defaults,
// environment variables and validation, and reads them from a YAML file.
//
// Every setting has one name, used as the flag (--unused-days), the YAML key
// (unused-days:) and, upper-cased with an IAMSWEEP_ prefix, the environment
// variable (IAMSWEEP_UNUSED_DAYS). Precedence: flag, then environment, then
// file, then default.
//
// Layer: pure. It parses from an io.Reader; the entry points open files.
package config
