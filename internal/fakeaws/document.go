package fakeaws

import (
	"encoding/json"
	"errors"
	"strings"
)

// statement is the part of a policy statement the fake looks at: its
// effect, whether it names principals, and its conditions.
type statement struct {
	effect       string
	hasPrincipal bool
	// conditions are operator -> key -> values, each value as its JSON
	// text decoded when it is a string ("true" for true).
	conditions map[string]map[string][]string
}

// statements reads the statements of a policy document: a JSON object
// whose "Statement" is one statement object or a list of them. Element
// names are matched exactly, as IAM does; a repeated name keeps its last
// value, as encoding/json does.
func statements(doc string) ([]statement, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, err
	}
	raw := top["Statement"]
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw, &one); err != nil || one == nil {
			return nil, errors.New("the Statement element is neither an object nor a list of objects")
		}
		list = append(list, one)
	}
	out := make([]statement, 0, len(list))
	for _, fields := range list {
		var st statement
		if v, ok := fields["Effect"]; ok {
			if err := json.Unmarshal(v, &st.effect); err != nil {
				return nil, errors.New("an Effect element is not a string")
			}
		}
		_, principal := fields["Principal"]
		_, notPrincipal := fields["NotPrincipal"]
		st.hasPrincipal = principal || notPrincipal
		if v, ok := fields["Condition"]; ok {
			var ops map[string]map[string]json.RawMessage
			if err := json.Unmarshal(v, &ops); err != nil {
				return nil, errors.New("a Condition element is not an object of objects")
			}
			st.conditions = map[string]map[string][]string{}
			for op, keys := range ops {
				st.conditions[op] = map[string][]string{}
				for key, values := range keys {
					st.conditions[op][key] = conditionValues(values)
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// conditionValues returns a condition's values, one or a list: strings
// as they are, anything else as its JSON text.
func conditionValues(raw json.RawMessage) []string {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s = strings.TrimSpace(string(v))
		}
		out = append(out, s)
	}
	return out
}
