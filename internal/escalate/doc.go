// Package escalate decides, for the owner workflow, what happens to each
// unused finding on a run: which notice goes out at which stage, when a
// principal is quarantined and then deleted, what stops or delays that (a
// use, a Keep, a Snooze), and when a quarantined principal trips the
// tripwire. It also resolves each finding's owner to a recipient and groups
// a run's notice items into one notice per recipient.
//
// It is pure: the caller (internal/workflow) reads the store and the scan,
// calls Decide, then sends, acts and records what the intents say.
package escalate
