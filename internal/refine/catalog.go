package refine

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Catalog is the list of actions each service defines, by service prefix.
// Refine uses it to expand a wildcard ("s3:Get*") into the actions it
// matches when some of them must go and the rest must stay. A wildcard
// over a service the catalogue does not know is never expanded: it is kept
// as it is, and flagged.
type Catalog struct {
	// Source says where the list comes from and its date.
	Source string
	// services maps a lower-case prefix to its action names, sorted
	// without regard to case, in the casing AWS documents.
	services map[string][]string
	// lower holds the same names in lower case, index for index, and
	// qualified as "prefix:Name".
	lower     map[string][]string
	qualified map[string][]string
	// index maps, by prefix, each name as the catalogue spells it to its
	// index in the lists above, so that names spelled as AWS documents
	// them (the usual case, in reports and policies) are lower-cased and
	// qualified without allocating.
	index    map[string]map[string]int
	prefixes []string
}

// NewCatalog builds a catalogue from action names by service prefix
// ("s3" → "GetObject", ...). Prefixes are matched without regard to case.
func NewCatalog(source string, actions map[string][]string) *Catalog {
	c := &Catalog{Source: source, services: make(map[string][]string, len(actions)), lower: make(map[string][]string, len(actions)),
		qualified: make(map[string][]string, len(actions)), index: make(map[string]map[string]int, len(actions))}
	for prefix, names := range actions {
		p := strings.ToLower(prefix)
		list := append(c.services[p], names...)
		sort.Slice(list, func(i, j int) bool { return strings.ToLower(list[i]) < strings.ToLower(list[j]) })
		c.services[p] = dedupFold(list)
	}
	for p, names := range c.services {
		c.prefixes = append(c.prefixes, p)
		low, q := make([]string, len(names)), make([]string, len(names))
		of := make(map[string]int, len(names))
		for i, n := range names {
			low[i] = strings.ToLower(n)
			q[i] = p + ":" + n
			of[n] = i
		}
		c.lower[p], c.qualified[p], c.index[p] = low, q, of
	}
	sort.Strings(c.prefixes)
	return c
}

// Actions returns the action names of the service prefix and whether the
// catalogue knows the service. The slice is shared: do not modify it.
func (c *Catalog) Actions(prefix string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	a, ok := c.services[strings.ToLower(prefix)]
	return a, ok
}

// lowerActions returns Actions in lower case, index for index.
func (c *Catalog) lowerActions(prefix string) []string {
	if c == nil {
		return nil
	}
	return c.lower[prefix]
}

// lowerName returns strings.ToLower(name) for an action name of the
// lower-case service prefix, without allocating when the catalogue spells
// the name that way.
func (c *Catalog) lowerName(prefix, name string) string {
	if c != nil {
		if i, ok := c.index[prefix][name]; ok {
			return c.lower[prefix][i]
		}
	}
	return strings.ToLower(name)
}

// nameIndex returns, for the lower-case service prefix, the index of each
// action name as the catalogue spells it (nil when it does not know the
// service), and its names in lower case and qualified, index for index.
func (c *Catalog) nameIndex(prefix string) (index map[string]int, lower, qualified []string) {
	if c == nil {
		return nil, nil, nil
	}
	return c.index[prefix], c.lower[prefix], c.qualified[prefix]
}

// lowerPrefix returns strings.ToLower(prefix) without allocating when the
// catalogue knows the prefix in lower case already.
func (c *Catalog) lowerPrefix(prefix string) string {
	if c != nil {
		if _, ok := c.services[prefix]; ok {
			return prefix
		}
	}
	return strings.ToLower(prefix)
}

// Services returns the lower-case service prefixes the catalogue knows, in
// order. The slice is shared: do not modify it.
func (c *Catalog) Services() []string {
	if c == nil {
		return nil
	}
	return c.prefixes
}

// dedupFold removes adjacent names equal without regard to case from a
// sorted list.
func dedupFold(list []string) []string {
	out := list[:0]
	for i, s := range list {
		if i > 0 && strings.EqualFold(s, out[len(out)-1]) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// actionsTable is the generated list of IAM actions (see actions.txt's
// header for its source, licence and date, and catalog_gen_test.go for the
// command that regenerates it).
//
//go:embed actions.txt
var actionsTable string

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// DefaultCatalog returns the catalogue generated from the AWS Service
// Authorization Reference data shipped with iamsweep.
func DefaultCatalog() *Catalog {
	defaultOnce.Do(func() { defaultCatalog, defaultErr = ParseCatalog(actionsTable) })
	if defaultErr != nil {
		// The table is generated and checked by a test; a broken one is a
		// build defect, not an input error.
		panic(defaultErr)
	}
	return defaultCatalog
}

// ParseCatalog reads a catalogue in the actions.txt format: "#" comment
// lines (the first ones, "# source: ...", name its source), then one line
// per service: the prefix, then its action names, separated by spaces.
func ParseCatalog(text string) (*Catalog, error) {
	actions := map[string][]string{}
	var source []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if c, ok := strings.CutPrefix(line, "#"); ok {
			if s, ok := strings.CutPrefix(strings.TrimSpace(c), "source:"); ok {
				source = append(source, strings.TrimSpace(s))
			}
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return nil, fmt.Errorf("action catalogue line %d: want a service prefix and its actions", i+1)
		}
		prefix := fields[0]
		if _, dup := actions[prefix]; dup {
			return nil, fmt.Errorf("action catalogue line %d: service %q listed twice", i+1, prefix)
		}
		for _, n := range fields[1:] {
			if strings.ContainsAny(n, ":*?") {
				return nil, fmt.Errorf("action catalogue line %d: invalid action name %q", i+1, n)
			}
		}
		actions[prefix] = fields[1:]
	}
	if len(actions) == 0 {
		return nil, fmt.Errorf("action catalogue: no services")
	}
	return NewCatalog(strings.Join(source, "; "), actions), nil
}
