// Package remediate turns findings into a plan of actions and applies it
// safely: guardrails and limits decide what may run, each principal is
// re-read and re-judged right before it is changed, backed up before its
// first change, and every IAM call is journaled before and after it runs,
// so an interrupted apply converges when run again. It also releases
// quarantines and restores principals from their backups.
//
// The step builders and the plan are pure functions of the domain types;
// the Service reaches AWS only through iamsweep.Mutator and keeps its
// state only through iamsweep.Store.
package remediate
