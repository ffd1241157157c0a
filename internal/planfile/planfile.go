// Package planfile is the one encoding of a remediation plan: the JSON
// document "iamsweep plan --out" saves and "iamsweep apply FILE" runs, and
// the form the state database keeps plans in. The format is versioned; a
// document of another format, with unknown fields or invalid values is
// refused with an error that names the field and where it is.
//
// A plan's findings carry the identity of their action (account, ARN,
// name, path, access key), as the plans iamsweep makes do; a list that is
// empty reads back as nil.
package planfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Format names the format written, and its version.
const Format = "iamsweep-plan/v2"

// FormatV1 is the format of iamsweep's first plan files, read still: the
// same document without the scan ID.
const FormatV1 = "iamsweep-plan/v1"

type file struct {
	Format     string    `json:"format"`
	ID         string    `json:"id"`
	ScanID     int64     `json:"scan_id,omitempty"`
	Created    time.Time `json:"created"`
	AsOf       time.Time `json:"as_of"`
	UnusedDays int       `json:"unused_days"`
	Actions    []action  `json:"actions"`
}

type action struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	Principal    string   `json:"principal"`
	AccountID    string   `json:"account_id"`
	AccountName  string   `json:"account_name,omitempty"`
	ARN          string   `json:"arn"`
	Name         string   `json:"name"`
	Path         string   `json:"path"`
	AccessKeyID  string   `json:"access_key_id,omitempty"`
	Refused      string   `json:"refused,omitempty"`
	Irreversible bool     `json:"irreversible,omitempty"`
	Notes        []string `json:"notes,omitempty"`
	Finding      finding  `json:"finding"`
	// Changes are a refine action's policy changes.
	Changes []change `json:"changes,omitempty"`
}

// change is one policy change of a refine action. Documents are JSON
// text, as IAM takes them.
type change struct {
	Policy      string `json:"policy"`
	Inline      bool   `json:"inline,omitempty"`
	Document    string `json:"document"`
	Refined     string `json:"refined,omitempty"`
	RefinedName string `json:"refined_name,omitempty"`
}

type finding struct {
	Type           string         `json:"type"`
	PrincipalID    string         `json:"principal_id"`
	Verdict        string         `json:"verdict"`
	Rule           string         `json:"rule"`
	Reason         string         `json:"reason"`
	Created        *time.Time     `json:"created,omitempty"`
	LastUsed       *time.Time     `json:"last_used,omitempty"`
	LastUsedRegion string         `json:"last_used_region,omitempty"`
	DaysUnused     *int           `json:"days_unused,omitempty"`
	KeySlot        int            `json:"key_slot,omitempty"`
	Tags           []iamsweep.Tag `json:"tags,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func fromOpt(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Write writes p as an indented JSON document, a plan file.
func Write(w io.Writer, p iamsweep.Plan) error {
	data, err := json.MarshalIndent(toFile(p), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// Marshal returns p as a compact JSON document, as the state database
// keeps it.
func Marshal(p iamsweep.Plan) ([]byte, error) {
	return json.Marshal(toFile(p))
}

func toFile(p iamsweep.Plan) file {
	f := file{Format: Format, ID: p.ID, ScanID: p.ScanID, Created: p.Created.UTC(), AsOf: p.AsOf.UTC(), UnusedDays: p.UnusedDays, Actions: []action{}}
	for _, a := range p.Actions {
		fd := a.Finding
		var changes []change
		for _, c := range a.Changes {
			changes = append(changes, change{Policy: c.Policy, Inline: c.Inline, Document: c.Document, Refined: c.Refined, RefinedName: c.RefinedName})
		}
		f.Actions = append(f.Actions, action{
			Changes: changes,
			ID:      a.ID, Kind: string(a.Kind), Principal: a.Principal, AccountID: a.AccountID, AccountName: a.AccountName,
			ARN: a.ARN, Name: a.Name, Path: a.Path, AccessKeyID: a.AccessKeyID, Refused: a.Refused,
			Irreversible: a.Irreversible, Notes: a.Notes,
			Finding: finding{
				Type: string(fd.Type), PrincipalID: fd.PrincipalID, Verdict: string(fd.Verdict), Rule: string(fd.Rule),
				Reason: fd.Reason, Created: optTime(fd.Created), LastUsed: optTime(fd.LastUsed.Time),
				LastUsedRegion: fd.LastUsed.Region, DaysUnused: fd.DaysUnused, KeySlot: fd.KeySlot, Tags: fd.Tags,
			},
		})
	}
	return f
}

// Read reads a plan file; source names it in errors, which are
// *iamsweep.InputError values but for a failed read.
func Read(r io.Reader, source string) (iamsweep.Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return iamsweep.Plan{}, fmt.Errorf("read %s: %w", source, err)
	}
	return Parse(data, source)
}

// Parse reads a plan document of either format; source names it in
// errors, which are *iamsweep.InputError values.
func Parse(data []byte, source string) (iamsweep.Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return iamsweep.Plan{}, decodeError(source, data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return iamsweep.Plan{}, &iamsweep.InputError{Source: source, Offset: dec.InputOffset(), Err: errors.New("data after the plan's JSON object")}
	}
	bad := func(field string, format string, args ...any) error {
		return iamsweep.NewInputError(source, field, fmt.Errorf(format, args...))
	}
	switch {
	case f.Format == FormatV1 && f.ScanID != 0:
		return iamsweep.Plan{}, bad("scan_id", "not a field of %s; a plan with a scan ID is %s", FormatV1, Format)
	case f.Format != Format && f.Format != FormatV1:
		return iamsweep.Plan{}, bad("format", "want %q, got %s: not an iamsweep plan, or one from another version", Format, iamsweep.Quote(f.Format))
	}
	if f.ID == "" {
		return iamsweep.Plan{}, bad("id", "missing")
	}
	if f.ScanID < 0 {
		return iamsweep.Plan{}, bad("scan_id", "want a scan ID (1 or more), got %d", f.ScanID)
	}
	p := iamsweep.Plan{ID: f.ID, ScanID: f.ScanID, Created: f.Created, AsOf: f.AsOf, UnusedDays: f.UnusedDays}
	seen := map[string]bool{}
	for i, a := range f.Actions {
		at := fmt.Sprintf("actions[%d]", i)
		if a.ID == "" || seen[a.ID] {
			return iamsweep.Plan{}, bad(at+".id", "missing or repeated action ID %s", iamsweep.Quote(a.ID))
		}
		seen[a.ID] = true
		kind := iamsweep.ActionKind(a.Kind)
		switch kind {
		case iamsweep.ActionQuarantine, iamsweep.ActionDelete:
			if a.Principal != "role" && a.Principal != "user" {
				return iamsweep.Plan{}, bad(at+".principal", "want role or user, got %s", iamsweep.Quote(a.Principal))
			}
		case iamsweep.ActionRefine:
			if a.Principal != "role" && a.Principal != "user" {
				return iamsweep.Plan{}, bad(at+".principal", "want role or user, got %s", iamsweep.Quote(a.Principal))
			}
			if len(a.Changes) == 0 {
				return iamsweep.Plan{}, bad(at+".changes", "a refine action needs at least one policy change")
			}
		case iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey, iamsweep.ActionDeletePassword:
			if a.Principal != "user" {
				return iamsweep.Plan{}, bad(at+".principal", "a %s action acts on a user, got %s", a.Kind, iamsweep.Quote(a.Principal))
			}
		default:
			return iamsweep.Plan{}, bad(at+".kind", "unknown action %s", iamsweep.Quote(string(a.Kind)))
		}
		arn, err := iamsweep.ParseARN(a.ARN)
		if err != nil {
			return iamsweep.Plan{}, bad(at+".arn", "%v", err)
		}
		if arn.AccountID != a.AccountID {
			return iamsweep.Plan{}, bad(at+".account_id", "%s is not the account of the ARN %s", iamsweep.Quote(a.AccountID), iamsweep.Quote(a.ARN))
		}
		if a.Finding.Type != string(iamsweep.TypeRootAccessKey) {
			path, name, err := arn.IAMResource(a.Principal)
			if err != nil {
				return iamsweep.Plan{}, bad(at+".arn", "%v", err)
			}
			if path != a.Path || name != a.Name {
				return iamsweep.Plan{}, bad(at+".name", "path %s and name %s are not those of the ARN %s", iamsweep.Quote(a.Path), iamsweep.Quote(a.Name), iamsweep.Quote(a.ARN))
			}
		}
		if kind != iamsweep.ActionRefine && len(a.Changes) > 0 {
			return iamsweep.Plan{}, bad(at+".changes", "only a refine action has policy changes, not a %s action", a.Kind)
		}
		var changes []iamsweep.PolicyChange
		for j, c := range a.Changes {
			cat := fmt.Sprintf("%s.changes[%d]", at, j)
			switch {
			case c.Policy == "":
				return iamsweep.Plan{}, bad(cat+".policy", "missing: the managed policy's ARN or the inline policy's name")
			case c.Document == "":
				return iamsweep.Plan{}, bad(cat+".document", "missing: the existing policy's document")
			case !c.Inline && c.Refined != "" && c.RefinedName == "":
				return iamsweep.Plan{}, bad(cat+".refined_name", "missing: the name of the managed policy to create")
			case c.RefinedName != "" && (c.Inline || c.Refined == ""):
				return iamsweep.Plan{}, bad(cat+".refined_name", "only a refined managed policy is created under a new name")
			}
			changes = append(changes, iamsweep.PolicyChange{Policy: c.Policy, Inline: c.Inline, Document: c.Document, Refined: c.Refined, RefinedName: c.RefinedName})
		}
		fd := a.Finding
		p.Actions = append(p.Actions, iamsweep.Action{
			Changes: changes,
			ID:      a.ID, Kind: kind, Principal: a.Principal, AccountID: a.AccountID, AccountName: a.AccountName,
			ARN: a.ARN, Name: a.Name, Path: a.Path, AccessKeyID: a.AccessKeyID, Refused: a.Refused,
			Irreversible: a.Irreversible, Notes: a.Notes,
			Finding: iamsweep.Finding{
				Type: iamsweep.FindingType(fd.Type), AccountID: a.AccountID, AccountName: a.AccountName, ARN: a.ARN,
				PrincipalID: fd.PrincipalID, Name: a.Name, Path: a.Path, Verdict: iamsweep.Verdict(fd.Verdict),
				Rule: iamsweep.Rule(fd.Rule), Reason: fd.Reason, Created: fromOpt(fd.Created),
				LastUsed: iamsweep.Usage{Time: fromOpt(fd.LastUsed), Region: fd.LastUsedRegion}, DaysUnused: fd.DaysUnused,
				AccessKeyID: a.AccessKeyID, KeySlot: fd.KeySlot, Tags: fd.Tags,
			},
		})
	}
	return p, nil
}

// decodeError converts an encoding/json error into an InputError with the
// line of the offending byte.
func decodeError(source string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &iamsweep.InputError{Source: source, Line: lineOf(data, syn.Offset), Offset: -1, Err: fmt.Errorf("invalid JSON: %v", syn)}
	case errors.As(err, &typ):
		return &iamsweep.InputError{Source: source, Line: lineOf(data, typ.Offset), Offset: -1, Field: typ.Field,
			Err: fmt.Errorf("want %s, got a JSON %s", kindName(typ.Type.Kind()), typ.Value)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return iamsweep.NewInputError(source, "", errors.New("empty or truncated file: want a plan's JSON object"))
	}
	return iamsweep.NewInputError(source, "", err)
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		return "an object"
	}
	return "a " + k.String()
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
