// Package refine narrows the permission policies of a used principal to
// what its service last accessed data shows it used (iamsweep refine):
// per inline and attached managed policy it recommends a step in the shape
// of IAM Access Analyzer's unused-permission recommendations
// (CREATE_POLICY with a refined document, DETACH_POLICY), and lists the
// principal's unused services and actions.
//
// The refined document never allows a request the original did not: it is
// built only by removing Allow statements, removing or replacing action
// patterns by narrower ones, and adding exclusions to NotAction; Deny
// statements and every Resource, NotResource and Condition stay as they
// were.
//
// Layer: pure. No I/O; the action catalogue is embedded at build time.
package refine
