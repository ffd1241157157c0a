// Package workflow runs the owner workflow once: scan, apply exceptions
// and decisions, decide with internal/escalate, make the decision links,
// send the notices (journaled in the store, at most once per finding and
// stage), quarantine and delete through the remediation service, and
// record the escalation states and events. `iamsweep escalate` and the
// scheduler of `iamsweep serve` call Runner.RunOnce.
//
// It is an entry-point layer package: it wires the store, the remediation
// service and the scan, which the caller builds and injects.
package workflow
