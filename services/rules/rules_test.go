// Package rules_test holds the house rules on imports, checked over every
// hand-written, non-test Go file under services/ so they hold by themselves:
//
//   - a domain package never depends on pgx, gRPC or generated proto code;
//   - a store never depends on its own service's app;
//   - a service never depends on another service's Go packages: only
//     proto/gen (the contracts) and services/platform are shared.
//
// services/system (the wiring that starts every part) and services/rules
// itself are not services. Dependencies are followed transitively through
// the module's own packages, as `go list -deps` would.
package rules_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kehou/kehou"

// imports reads the direct imports of every package under services/ (non-test files).
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("..") // services/
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(root), filepath.Dir(path))
		pkg := module + "/" + filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deps returns every package pkg depends on, following the module's own packages.
func deps(graph map[string][]string, pkg string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, im := range graph[p] {
			if !seen[im] {
				seen[im] = true
				walk(im)
			}
		}
	}
	walk(pkg)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// service returns the service a package belongs to ("billing"), or "" for
// shared and wiring code.
func service(pkg string) string {
	rest, ok := strings.CutPrefix(pkg, module+"/services/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	switch name {
	case "platform", "system", "rules":
		return ""
	}
	return name
}

// Violations lists every broken rule in graph, one line each.
func violations(graph map[string][]string) []string {
	var out []string
	for pkg := range graph {
		svc := service(pkg)
		isDomain := strings.Contains(pkg+"/", "/domain/")
		isStore := svc != "" && strings.HasPrefix(pkg+"/", module+"/services/"+svc+"/store/")
		for _, d := range deps(graph, pkg) {
			switch {
			case isDomain && (strings.HasPrefix(d, "github.com/jackc/pgx") || strings.HasPrefix(d, "google.golang.org/grpc") ||
				strings.HasPrefix(d, module+"/proto/gen/")):
				out = append(out, pkg+": a domain package depends on "+d)
			case isStore && strings.HasPrefix(d+"/", module+"/services/"+svc+"/app/"):
				out = append(out, pkg+": a store depends on its app "+d)
			case svc != "" && service(d) != "" && service(d) != svc:
				out = append(out, pkg+": service "+svc+" depends on "+d+" of service "+service(d)+" (use its proto/gen contract)")
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestImportRules(t *testing.T) {
	graph := imports(t)
	if len(graph) < 20 {
		t.Fatalf("read only %d packages under services/: the walk is broken", len(graph))
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestRulesCatchWrongImports feeds the checker a graph with one wrong
// import per rule, so the rules are shown to fail, not only to pass.
func TestRulesCatchWrongImports(t *testing.T) {
	s := module + "/services/"
	graph := map[string][]string{
		s + "billing/domain/fee":   {"github.com/jackc/pgx/v5"},
		s + "billing/domain/money": {module + "/proto/gen/kehou/billing/v1"},
		s + "staffing/domain/x":    {s + "staffing/domain/y"},
		s + "staffing/domain/y":    {"google.golang.org/grpc"},
		s + "staffing/store":       {s + "staffing/domain/staff", s + "staffing/helper"},
		s + "staffing/helper":      {s + "staffing/app"},
		s + "billing/rpc":          {s + "timetable/domain/calendar"},
		s + "timetable/app":        {s + "platform/fault", module + "/proto/gen/kehou/timetable/v1"},
		s + "system":               {s + "billing/app", s + "timetable/app"},
	}
	got := violations(graph)
	want := []string{
		s + "billing/domain/fee: a domain package depends on github.com/jackc/pgx/v5",
		s + "billing/domain/money: a domain package depends on " + module + "/proto/gen/kehou/billing/v1",
		s + "billing/rpc: service billing depends on " + s + "timetable/domain/calendar of service timetable (use its proto/gen contract)",
		s + "staffing/domain/x: a domain package depends on google.golang.org/grpc",
		s + "staffing/domain/y: a domain package depends on google.golang.org/grpc",
		s + "staffing/store: a store depends on its app " + s + "staffing/app",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
