package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/examples"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// The example resources bind roles, instance profiles and unique IDs of
// the example export: if the export changes, the refs walkthrough of
// docs/refs.md would silently show nothing.
func TestExampleResources_nameTheExampleAccount(t *testing.T) {
	acct, err := fakeaws.AccountFromFiles(context.Background(), bytes.NewReader(examples.AccountExport), examples.AccountExportName, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	roles, ids, profiles := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range acct.Roles {
		path := r.Path
		if path == "" {
			path = "/"
		}
		roles["arn:aws:iam::"+acct.ID+":role"+path+r.Name] = true
		ids[r.ID] = true
		for _, p := range r.InstanceProfiles {
			pp := p.Path
			if pp == "" {
				pp = "/"
			}
			profiles["arn:aws:iam::"+acct.ID+":instance-profile"+pp+p.Name] = true
		}
	}
	res := exampleResources(acct.ID)
	for _, f := range res.Functions {
		if !roles[f.Role] {
			t.Errorf("function %s runs as %s, not a role of the example export", f.Name, f.Role)
		}
	}
	for _, i := range res.Instances {
		if !profiles[i.InstanceProfileARN] {
			t.Errorf("instance %s has instance profile %s, not one of the example export", i.ID, i.InstanceProfileARN)
		}
	}
	var policies []string
	for _, b := range res.Buckets {
		policies = append(policies, b.Policy)
	}
	for _, k := range res.Keys {
		policies = append(policies, k.Policy)
	}
	for _, p := range policies {
		var doc struct{ Statement []json.RawMessage }
		if err := json.Unmarshal([]byte(p), &doc); err != nil {
			t.Fatalf("policy %s: %v", p, err)
		}
		if strings.Contains(p, `"AROA`) {
			id := p[strings.Index(p, `"AROA`)+1:]
			id = id[:strings.IndexByte(id, '"')]
			if !ids[id] {
				t.Errorf("a policy grants %s, not a unique ID of the example export", id)
			}
		}
	}
}
