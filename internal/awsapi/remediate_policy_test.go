package awsapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep"
)

// remediatePolicyFile is the policy the README tells users to grant the
// remediation (apply, restore).
const remediatePolicyFile = "../../policies/iamsweep-remediate.json"

// dependentActions are granted by the remediation policy although the code
// never calls them, because IAM checks them as well when the code calls
// another action.
var dependentActions = map[string]string{
	// "The caller of this operation must be granted the PassRole
	// permission on the IAM role" (AddRoleToInstanceProfile, IAM API
	// reference).
	"iam:PassRole": "iam:AddRoleToInstanceProfile",
	// Tags given to a create are authorized as the tagging action too:
	// CreateRole and CreateUser with tags (a backup's, the restore
	// marker) need iam:TagRole and iam:TagUser, which the remediation
	// also calls; CreateInstanceProfile with a backed-up profile's tags
	// needs iam:TagInstanceProfile, which it calls only so.
	"iam:TagInstanceProfile": "iam:CreateInstanceProfile",
	// CreatePolicy with the refined policy's iamsweep:refined-by tag needs
	// iam:TagPolicy, which the remediation calls only so.
	"iam:TagPolicy": "iam:CreatePolicy",
}

// mutatorRoots are the functions whose calls the remediation makes: the
// iamsweep.Mutator methods, the Org methods that open and name the
// account for it, and the alias a person may type to confirm a deletion.
var mutatorRoots = []string{"ReadRole", "ReadUser", "ReadInstanceProfile", "ReadPolicy", "Do", "Mutator", "CallerARN", "AccountAlias"}

func readRemediatePolicy(t *testing.T) iamsweep.PolicyDocument {
	t.Helper()
	doc, err := readPolicyFile(remediatePolicyFile)
	if err != nil {
		t.Fatalf("%s: %v", remediatePolicyFile, err)
	}
	return doc
}

// allows reports whether doc grants action on every resource.
func allows(doc iamsweep.PolicyDocument, action string) bool {
	for _, s := range doc.Statements {
		if s.Effect != "Allow" || !slices.Contains(s.Resources, "*") || len(s.Conditions) > 0 {
			continue
		}
		for _, p := range s.Actions {
			if actionMatches(p, action) {
				return true
			}
		}
	}
	return false
}

// awsCalls parses the package's non-test files and returns the AWS actions
// each function calls: every c.iam.X(...) is "iam:X", every
// iam.NewXPaginator(...) is "iam:X", every o.sts.X(...) is "sts:X". It
// also returns, for each function, the package functions and methods it
// calls by name (a method and a function of the same name are not told
// apart, which can only add calls).
func awsCalls(t *testing.T) (calls, callees map[string][]string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	calls = map[string][]string{}
	callees = map[string][]string{}
	declared := map[string]bool{}
	var decls []*ast.FuncDecl
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				decls = append(decls, fd)
				declared[fd.Name.Name] = true
			}
		}
	}
	for _, fd := range decls {
		fn := fd.Name.Name
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fun := call.Fun.(type) {
			case *ast.SelectorExpr:
				// c.iam.GetRole(...), o.sts.GetCallerIdentity(...)
				if field, ok := fun.X.(*ast.SelectorExpr); ok && (field.Sel.Name == "iam" || field.Sel.Name == "sts") {
					calls[fn] = append(calls[fn], field.Sel.Name+":"+fun.Sel.Name)
					return true
				}
				// iam.NewListRoleTagsPaginator(...)
				if pkg, ok := fun.X.(*ast.Ident); ok && pkg.Name == "iam" &&
					strings.HasPrefix(fun.Sel.Name, "New") && strings.HasSuffix(fun.Sel.Name, "Paginator") {
					op := strings.TrimSuffix(strings.TrimPrefix(fun.Sel.Name, "New"), "Paginator")
					calls[fn] = append(calls[fn], "iam:"+op)
					return true
				}
				// c.readSomething(...)
				if declared[fun.Sel.Name] {
					callees[fn] = append(callees[fn], fun.Sel.Name)
				}
			case *ast.Ident:
				if declared[fun.Name] {
					callees[fn] = append(callees[fn], fun.Name)
				}
			}
			return true
		})
	}
	return calls, callees
}

// reachable returns the functions reachable from roots through callees.
func reachable(roots []string, callees map[string][]string) map[string]bool {
	seen := map[string]bool{}
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		fn := queue[0]
		queue = queue[1:]
		if seen[fn] {
			continue
		}
		seen[fn] = true
		queue = append(queue, callees[fn]...)
	}
	return seen
}

// opConstants parses the root package's remediation.go and returns the
// value of every constant of type Op.
func opConstants(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../remediation.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "Op" {
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("remediation.go: Op constant %s is not a string literal", name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				ops[name.Name] = v
			}
		}
	}
	if len(ops) == 0 {
		t.Fatal("remediation.go declares no Op constants")
	}
	return ops
}

func TestRemediatePolicy_Valid(t *testing.T) {
	doc := readRemediatePolicy(t)
	if doc.Version != "2012-10-17" {
		t.Errorf("Version %q, want 2012-10-17", doc.Version)
	}
	if len(doc.Statements) == 0 {
		t.Fatal("no statements")
	}
	granted := map[string]string{}
	for i, s := range doc.Statements {
		if s.Sid == "" {
			t.Errorf("statement %d has no Sid to say what it is for", i)
		}
		if s.Effect != "Allow" || s.Principal != nil || s.NotPrincipal != nil || s.NotActions != nil || s.NotResources != nil || len(s.Conditions) > 0 {
			t.Errorf("statement %d (%s) is not a plain Allow: %+v", i, s.Sid, s)
		}
		if len(s.Actions) == 0 || !slices.Equal(s.Resources, []string{"*"}) {
			t.Errorf("statement %d (%s) names no action, or resources other than *", i, s.Sid)
		}
		for _, a := range s.Actions {
			if !strings.HasPrefix(a, "iam:") && a != "sts:GetCallerIdentity" {
				t.Errorf("statement %d (%s): action %q is neither IAM nor sts:GetCallerIdentity", i, s.Sid, a)
			}
			if strings.ContainsAny(a, "*?") {
				t.Errorf("statement %d (%s) grants %q: name each action, without wildcards", i, s.Sid, a)
			}
			if prev, ok := granted[a]; ok {
				t.Errorf("%s is granted twice (%s and %s)", a, prev, s.Sid)
			}
			granted[a] = s.Sid
		}
	}
}

// TestRemediatePolicy_CoversEveryCall reads the package's source: every
// AWS call the remediation can make (from the Mutator methods and
// Org.Mutator/CallerARN, through the functions they call) must be granted
// by policies/iamsweep-remediate.json, every other IAM call by
// policies/iamsweep-scan.json, and the remediation policy must grant
// nothing else. A call added without its permission fails here.
func TestRemediatePolicy_CoversEveryCall(t *testing.T) {
	remediate := readRemediatePolicy(t)
	scan := readScanPolicy(t)
	calls, callees := awsCalls(t)
	mutating := reachable(mutatorRoots, callees)

	var fns []string
	for fn := range calls {
		fns = append(fns, fn)
	}
	sort.Strings(fns)
	used := map[string]bool{}
	for _, fn := range fns {
		for _, action := range calls[fn] {
			switch {
			case mutating[fn]:
				used[action] = true
				if !allows(remediate, action) {
					t.Errorf("%s calls %s, which %s does not allow", fn, action, remediatePolicyFile)
				}
			case strings.HasPrefix(action, "iam:") && !slices.Contains(configRuleMethods, fn):
				// (The Config rule's calls are checked against the Lambda
				// function's policy, in internal/lambdafn.)
				if !allows(scan, action) {
					t.Errorf("%s calls %s, which %s does not allow", fn, action, scanPolicyFile)
				}
			}
		}
	}
	// The walk must have found the calls (a renamed field would find
	// none and pass).
	for _, want := range []string{"iam:GetRole", "iam:DeleteRole", "iam:ListRoleTags", "iam:GetServiceLinkedRoleDeletionStatus", "sts:GetCallerIdentity"} {
		if !used[want] {
			t.Errorf("the source walk did not find the remediation's call %s", want)
		}
	}

	// Least privilege: nothing granted that the remediation does not call.
	for _, s := range remediate.Statements {
		for _, a := range s.Actions {
			if used[a] {
				continue
			}
			if needer, ok := dependentActions[a]; ok {
				if !used[needer] {
					t.Errorf("%s grants %s for %s, which the remediation no longer calls", remediatePolicyFile, a, needer)
				}
				continue
			}
			t.Errorf("%s grants %s (%s), which the remediation never calls", remediatePolicyFile, a, s.Sid)
		}
	}
}

// TestRemediatePolicy_CoversEveryOp checks that every iamsweep.Op (read
// from remediation.go, so a new one counts at once) has its "iam:"+Op in
// policies/iamsweep-remediate.json and a case in Client.Do.
func TestRemediatePolicy_CoversEveryOp(t *testing.T) {
	doc := readRemediatePolicy(t)
	ops := opConstants(t)

	// The cases of the switch in (*Client).do, which Do calls.
	cases := map[string]bool{}
	f, err := parser.ParseFile(token.NewFileSet(), "mutate_do.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var do *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "do" && fd.Recv != nil {
			do = fd
		}
	}
	if do == nil {
		t.Fatal("mutate_do.go: no method do")
	}
	ast.Inspect(do.Body, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		for _, e := range cc.List {
			if sel, ok := e.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "iamsweep" {
					cases[sel.Sel.Name] = true
				}
			}
		}
		return true
	})

	var names []string
	for name := range ops {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		action := "iam:" + ops[name]
		if !allows(doc, action) {
			t.Errorf("iamsweep.%s needs %s, which %s does not allow", name, action, remediatePolicyFile)
		}
		if !cases[name] {
			t.Errorf("Client.Do has no case for iamsweep.%s", name)
		}
	}
}

// TestRemediatePolicy_TagOnCreate: IAM authorizes the tags given to a
// create as the tagging action as well (a CreateRole with tags by a caller
// without iam:TagRole is denied), so every create the remediation makes
// with tags needs its tagging action granted: CreateRole and CreateUser
// carry the backup's tags and the restore marker, CreateInstanceProfile a
// backed-up profile's tags.
func TestRemediatePolicy_TagOnCreate(t *testing.T) {
	doc := readRemediatePolicy(t)
	for create, tag := range map[string]string{
		"iam:CreateRole": "iam:TagRole", "iam:CreateUser": "iam:TagUser", "iam:CreateInstanceProfile": "iam:TagInstanceProfile",
		"iam:CreatePolicy": "iam:TagPolicy",
	} {
		if !allows(doc, create) || !allows(doc, tag) {
			t.Errorf("%s grants %s %t and %s %t: a create with tags needs both", remediatePolicyFile, create, allows(doc, create), tag, allows(doc, tag))
		}
	}
}
