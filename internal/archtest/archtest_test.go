package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/iamsweep/iamsweep"

// Layers of the packages, by import path relative to the module.
var (
	pure = map[string]bool{
		"":                    true, // the root package: the domain
		"internal/detect":     true,
		"internal/policy":     true,
		"internal/report":     true,
		"internal/config":     true,
		"internal/authexport": true,
		"internal/credreport": true,
		"internal/planfile":   true,
		"internal/configrule": true,
		"internal/escalate":   true,
		"internal/links":      true,
		"internal/refs":       true,
		"internal/refine":     true,
	}
	services    = map[string]bool{"internal/scan": true, "internal/remediate": true}
	adapters    = map[string]bool{"internal/awsapi": true, "internal/store": true, "internal/notify": true, "internal/lastaccess": true}
	entryPoints = map[string]bool{"internal/cli": true, "internal/lambdafn": true, "internal/serve": true,
		// workflow wires the store, the remediation service and the
		// notifier the CLI or serve built around one run of the owner
		// workflow, as an entry point does.
		"internal/workflow": true}
	testOnly = map[string]bool{"internal/fakeaws": true, "internal/archtest": true, "internal/integration": true, "internal/golden": true,
		"internal/browsertest": true}
	// data packages embed files and import nothing else.
	data = map[string]bool{"examples": true}
)

// Third-party libraries a package of each layer may import beyond the
// standard library and the module's own packages.
var (
	pureLibraries = map[string][]string{
		"internal/config":     {"gopkg.in/yaml.v3"},
		"internal/policy":     {"github.com/go-json-experiment/json"},
		"internal/authexport": {"github.com/go-json-experiment/json"},
	}
	adapterLibraries = map[string][]string{
		"internal/awsapi": {"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go", "golang.org/x/sync", "golang.org/x/time"},
		"internal/store":  {"modernc.org/sqlite"},
		"internal/notify": {"golang.org/x/time"},
	}
	// adapterAdapters are the one exception to "adapters know no other
	// adapter": notify sends mail and SNS messages through awsapi, the
	// only importer of the AWS SDK's service clients.
	adapterAdapters = map[string][]string{"internal/notify": {"internal/awsapi"}}
)

// Standard library packages that mean I/O the pure layers must not do:
// these and their subpackages (net/url, which only parses, is fine).
var ioPackages = []string{"net/http", "database/sql", "os", "os/exec", "syscall", "io/ioutil", "net/rpc", "net/smtp"}

func isIOPackage(ip string) bool {
	return ip == "net" || hasPrefixIn(ip, ioPackages)
}

type pkg struct {
	rel         string            // path relative to the module, "" for the root
	imports     map[string]string // import path -> a file that imports it
	testImports map[string]string
}

func loadPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		if dir == "." {
			dir = ""
		}
		p := byDir[dir]
		if p == nil {
			p = &pkg{rel: filepath.ToSlash(dir), imports: map[string]string{}, testImports: map[string]string{}}
			byDir[dir] = p
		}
		file, _ := filepath.Rel(root, path)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasSuffix(path, "_test.go") {
				p.testImports[ip] = file
			} else {
				p.imports[ip] = file
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkg
	for _, p := range byDir {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

func internalRel(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	if rel, ok := strings.CutPrefix(importPath, module+"/"); ok {
		return rel, true
	}
	return "", false
}

func isStdlib(importPath string) bool {
	first := strings.Split(importPath, "/")[0]
	return !strings.Contains(first, ".")
}

func hasPrefixIn(importPath string, prefixes []string) bool {
	for _, p := range prefixes {
		if importPath == p || strings.HasPrefix(importPath, p+"/") {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	pkgs := loadPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages; is the walk broken?", len(pkgs))
	}
	known := map[string]bool{}
	for _, p := range pkgs {
		known[p.rel] = true
	}
	for _, p := range pkgs {
		layered := pure[p.rel] || services[p.rel] || adapters[p.rel] || entryPoints[p.rel] || testOnly[p.rel] || data[p.rel] ||
			strings.HasPrefix(p.rel, "cmd/")
		if !layered {
			t.Errorf("package %q has no layer: add it to a layer in internal/archtest", p.rel)
			continue
		}
		for ip, file := range p.imports {
			if msg := check(p.rel, ip); msg != "" {
				t.Errorf("%s imports %s: %s", file, ip, msg)
			}
		}
	}
	// The fake AWS endpoint is test and demo infrastructure; the golden-file
	// helper is for tests alone (its -update flag must not reach a binary).
	for _, p := range pkgs {
		for ip, file := range p.imports {
			if ip == module+"/internal/fakeaws" && p.rel != "cmd/fakeaws" {
				t.Errorf("%s imports the fake AWS endpoint outside a test", file)
			}
			if ip == module+"/internal/golden" && p.rel != "internal/browsertest" {
				t.Errorf("%s imports the golden-file helper outside a test", file)
			}
			if ip == module+"/internal/browsertest" {
				t.Errorf("%s imports the browser test helper outside a test", file)
			}
		}
	}
}

// check returns why rel may not import ip, or "".
func check(rel, ip string) string {
	target, internal := internalRel(ip)
	// The browser driver (and Chromium behind it) is for tests of pages,
	// never a dependency of the binary.
	if hasPrefixIn(ip, []string{"github.com/chromedp"}) {
		if rel == "internal/browsertest" {
			return "" // test support: only _test.go files import it
		}
		return "chromedp drives a browser in tests only: import it from _test.go files or internal/browsertest"
	}
	switch {
	case data[rel]:
		if ip != "embed" {
			return "data packages import embed only"
		}
		return ""
	case pure[rel]:
		if internal {
			if !pure[target] {
				return "the domain and pure packages import only each other"
			}
			return ""
		}
		if isStdlib(ip) {
			if isIOPackage(ip) {
				return "pure packages do no I/O: take an io.Reader or io.Writer"
			}
			return ""
		}
		if hasPrefixIn(ip, pureLibraries[rel]) {
			return ""
		}
		return "pure packages use the standard library and their data-format library only"
	case services[rel]:
		if internal && !pure[target] {
			return "services reach adapters only through the root package's interfaces"
		}
		if !internal && !isStdlib(ip) && !hasPrefixIn(ip, []string{"golang.org/x/sync", "golang.org/x/time"}) {
			return "services use no third-party library but x/sync and x/time"
		}
		if isStdlib(ip) && hasPrefixIn(ip, []string{"net/http", "database/sql", "os/exec"}) {
			return "services do no I/O of their own"
		}
		return ""
	case adapters[rel]:
		if internal && slices.Contains(adapterAdapters[rel], target) {
			return ""
		}
		if internal && !pure[target] {
			return "adapters import the root and pure packages, never services, entry points or other adapters"
		}
		if !internal && !isStdlib(ip) && !hasPrefixIn(ip, adapterLibraries[rel]) {
			return "adapters import their own library only"
		}
		return ""
	case rel == "internal/fakeaws":
		// A test double that read requests or seeds with iamsweep's own
		// parsers (policy documents, ARNs, exports, credential reports)
		// would let a parser bug pass on both sides.
		if internal {
			return "the fake AWS endpoint imports no iamsweep package: it parses with the standard library or its own code"
		}
		if strings.HasPrefix(ip, "github.com/aws/") {
			return "the fake AWS endpoint speaks the wire protocols without the AWS SDK"
		}
		return ""
	case strings.HasPrefix(rel, "cmd/"):
		if !internal {
			if isStdlib(ip) {
				return ""
			}
			return "commands only wire: they import their entry point"
		}
		if rel == "cmd/fakeaws" && (target == "internal/fakeaws" || target == "examples") {
			return ""
		}
		if !entryPoints[target] {
			return "commands import their entry point only"
		}
		return ""
	}
	// Only the AWS adapter imports the SDK's service clients (the fake
	// speaks the wire protocols without them; entry points load config).
	if strings.HasPrefix(ip, "github.com/aws/aws-sdk-go-v2/service/") && !adapters[rel] {
		return "only internal/awsapi imports AWS SDK service clients"
	}
	return ""
}

func TestImportRules_rejectsViolations(t *testing.T) {
	tests := []struct{ rel, ip string }{
		{"internal/detect", "net/http"},
		{"internal/detect", "os"},
		{"internal/policy", "net"},
		{"", "github.com/aws/aws-sdk-go-v2/service/iam"},
		{"internal/report", module + "/internal/scan"},
		{"internal/scan", module + "/internal/awsapi"},
		{"internal/awsapi", module + "/internal/scan"},
		{"internal/awsapi", "gopkg.in/yaml.v3"},
		{"cmd/iamsweep", module + "/internal/awsapi"},
		{"internal/cli", "github.com/aws/aws-sdk-go-v2/service/iam"},
		{"examples", "os"},
		{"cmd/iamsweep", module + "/examples"},
		{"internal/fakeaws", module},
		{"internal/fakeaws", module + "/internal/policy"},
		{"internal/fakeaws", module + "/internal/authexport"},
		{"internal/fakeaws", module + "/internal/credreport"},
		{"internal/cli", "github.com/chromedp/chromedp"},
		{"internal/report", "github.com/chromedp/cdproto/emulation"},
		{"cmd/fakeaws", "github.com/chromedp/chromedp"},
		{"internal/serve", "github.com/chromedp/chromedp"},
		{"internal/lambdafn", "github.com/aws/aws-sdk-go-v2/service/configservice"},
		{"internal/configrule", "github.com/aws/aws-lambda-go/events"},
		{"internal/configrule", module + "/internal/awsapi"},
		{"internal/configrule", "net/http"},
		{"cmd/iamsweep", "github.com/aws/aws-lambda-go/lambda"},
		{"internal/notify", module + "/internal/store"},
		{"internal/notify", module + "/internal/scan"},
		{"internal/notify", "github.com/aws/aws-sdk-go-v2/service/sesv2"},
		{"internal/awsapi", module + "/internal/notify"},
		{"internal/store", module + "/internal/awsapi"},
	}
	for _, tt := range tests {
		if check(tt.rel, tt.ip) == "" {
			t.Errorf("check(%q, %q) allows it; want a violation", tt.rel, tt.ip)
		}
	}
}

func TestImportRules_allowsNotify(t *testing.T) {
	for _, ip := range []string{module + "/internal/awsapi", module + "/internal/config", module, "golang.org/x/time/rate", "net/http", "html/template"} {
		if msg := check("internal/notify", ip); msg != "" {
			t.Errorf("check(internal/notify, %q) = %q; want it allowed", ip, msg)
		}
	}
}
