package iamsweep

// PolicyDocument is a parsed IAM policy document (identity, trust or
// resource policy). Package internal/policy parses and prints it.
//
// Single values and one-element lists are held alike as one-element slices;
// IAM gives them the same meaning.
type PolicyDocument struct {
	// Version is the policy language version ("2012-10-17"); "" when absent.
	Version string
	// ID is the optional "Id" element.
	ID string
	// Statements are the statements in document order. A document whose
	// "Statement" is a single object has one statement here.
	Statements []Statement
}

// Statement is one statement of a policy document. Nil slices mean the
// element is absent; IAM requires exactly one of each Action/NotAction and
// Resource/NotResource pair in identity policies, but trust policies carry
// no Resource, so absence is kept as it is.
type Statement struct {
	Sid          string
	Effect       string
	Principal    *Principals
	NotPrincipal *Principals
	Actions      []string
	NotActions   []string
	Resources    []string
	NotResources []string
	// Conditions are the condition clauses, sorted by operator then key.
	Conditions []Condition
}

// Principals is the value of a Principal or NotPrincipal element: either the
// wildcard "*" or principals grouped by type ("AWS", "Service", "Federated",
// "CanonicalUser").
type Principals struct {
	// Wildcard is true for "Principal": "*".
	Wildcard bool
	// ByType maps a principal type to its values, in document order.
	ByType map[string][]string
}

// Condition is one condition clause: an operator ("StringEquals",
// "ForAnyValue:StringLike", "Null"...), a condition key and its values.
// IAM compares every value as a string, so booleans and numbers are kept in
// their JSON text form ("true", "3600").
type Condition struct {
	Operator string
	Key      string
	Values   []string
}
