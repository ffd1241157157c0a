// Package config defines iamsweep's settings: their names, defaults,
// environment variables and validation, and reads them from a YAML file.
//
// Every setting is declared once, in Config.Settings: a name, a usage text
// and a Value bound to its field of Config. The name is the flag
// (--unused-days), the YAML key (unused-days:) and, upper-cased with an
// IAMSWEEP_ prefix, the environment variable (IAMSWEEP_UNUSED_DAYS); a
// dotted name (remediation.roles) is a key of a file section, with no flag
// or variable. A Value (decimal int, bool, string, time, list, ...) is the
// only parser of the setting's text, whatever its source: the entry points
// bind it as the pflag flag itself, Resolve sets it from the environment and
// the file for the flags not given. Precedence: flag, then environment, then
// file, then default. Errors name the flag, the variable, or the file, line
// and key (positions come from the YAML node tree).
//
// # Adding a setting
//
// Add its field to Config (and its default to Default, if it has one), and
// one line to Config.Settings binding the field:
//
//	{Name: "keep-scans", Value: intVar(&c.KeepScans), Usage: "keep the newest N scans"},
//
// The flag, the environment variable, the config key, precedence, the
// strict decoding of the file and the error positions follow from that
// line. Checks beyond the value's type (ranges, combinations) go in
// Validate, through Invalid so that they name where the value came from.
// The entry points choose which commands show the flag (cli's scan takes
// every top-level setting unless it leaves one out by name).
//
// # The owner workflow's sections
//
// iamsweep serve, escalate and exceptions read three sections (see
// workflow.go): Config.Owners ("owners": SecurityTeam, Map and Route, with
// OwnerTags naming the tag keys), Config.Escalation ("escalation":
// QuarantineAfter, DeleteAfter and their per-type overrides read through
// For, KeepMax, SnoozeMax, WarnBefore, TripwireRelease, Frequency, DryRun)
// and Config.Serve ("serve": Listen, BaseURL, TLSCert, TLSKey, LinkTTL,
// and the secrets DashboardToken and LinkKey, which only environment
// variables give: IAMSWEEP_SERVE_DASHBOARD_TOKEN, IAMSWEEP_SERVE_LINK_KEY).
// A subsection ("escalation.roles") is a mapping inside a section; its
// settings' names have two dots. ValidateWorkflow checks what serve and
// escalate need beyond Validate.
//
// Layer: pure. It parses from an io.Reader; the entry points open files.
package config
