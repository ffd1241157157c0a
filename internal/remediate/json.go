package remediate

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// SameJSON reports whether two policy documents hold the same JSON value,
// whatever their white space and key order. Text that is not JSON is
// compared as text.
func SameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// CompactJSON returns doc without insignificant white space, or doc itself
// when it is not JSON.
func CompactJSON(doc string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(doc)) != nil {
		return doc
	}
	return buf.String()
}
