package archtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ocrepo/ocrepo"

// anyPublic marks a package that may import every public package of the module (the facade's users: test kits
// and examples), but nothing under internal/.
const anyPublic = "*"

// rules lists, for every package of the module, the module's packages it may import (paths relative to the
// module). ARCHITECTURE.md draws the same picture.
func rules() map[string][]string {
	return map[string][]string{
		"repository/host":              {},
		"repository/cloud":             {},
		"repository/cloud/cloudtest":   {"repository/cloud"},
		"store":                        {},
		"store/seal":                   {},
		"store/gormstore":              {"store", "store/seal"},
		"store/gormstore/gormsqlite":   {},
		"store/gormstore/gormpostgres": {},
		"store/gormstore/gormmysql":    {},
		"store/gormstore/gormtest":     {"store/gormstore/gormsqlite", "store/gormstore/gormpostgres", "store/gormstore/gormmysql"},
		"store/storetest":              {"store"},
		"templates":                    {},
		"internal/service":             {"repository/cloud", "repository/host", "store"},
		"internal/i18n":                {},
		"internal/i18n/i18ntest":       {"internal/i18n"},
		"internal/web":                 {"internal/i18n", "internal/service", "repository/cloud", "repository/host", "store", "templates"},
		"internal/archtest":            {},
		"admin":                        {"internal/service", "internal/web", "repository/cloud", "repository/host", "store", "templates"},
		"picker":                       {"internal/service", "internal/web", "repository/cloud", "repository/host", "store", "templates"},
		"repository": {"admin", "picker", "internal/i18n", "internal/service", "internal/web", "repository/cloud", "repository/host",
			"store", "store/gormstore", "store/seal", "templates"},
		"repository/repositorytest":             {anyPublic},
		"repository/repositorytest/browsertest": {anyPublic},
		"repository/perftest":                   {anyPublic},
		"repository/securitytest":               {anyPublic},
		"examples/lms":                          {anyPublic},
		"examples/load":                         {anyPublic},
		"examples/minimal":                      {anyPublic},
	}
}

// cgoOnly lists the packages that may depend on the SQLite driver (the only cgo dependency): the driver package,
// the test kits that open SQLite, and the examples. .ci/run builds everything else with CGO_ENABLED=0.
func cgoOnly() []string {
	return []string{
		"store/gormstore/gormsqlite", "store/gormstore/gormtest",
		"repository/repositorytest", "repository/repositorytest/browsertest",
		"examples/lms", "examples/load", "examples/minimal",
	}
}

// forbidden lists third-party imports a package must not have directly, whatever its module imports allow.
func forbidden() map[string][]string {
	return map[string][]string{
		"internal/service": {"github.com/labstack/echo", "github.com/a-h/templ", "gorm.io/"},
		"store/gormstore":  {"gorm.io/driver/", "github.com/mattn/", "github.com/jackc/"},
		"store/storetest":  {"gorm.io/"},
		"templates":        {"github.com/labstack/echo", "gorm.io/"},
		"repository/cloud": {"github.com/labstack/echo", "gorm.io/"},
	}
}

type pkg struct {
	path    string // relative to the module
	imports []string
	deps    []string
}

// listPackages runs go list on the module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.CommandContext(t.Context(), goBin, "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", "./...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(parts[0], module), "/")
		pkgs = append(pkgs, pkg{path: rel, imports: split(parts[1]), deps: split(parts[2])})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages:\n%s", len(pkgs), out)
	}
	return pkgs
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// TestImportRules: every package has a rule and imports only what its rule allows.
func TestImportRules(t *testing.T) {
	t.Parallel()
	rs := rules()
	for _, p := range listPackages(t) {
		allowed, ok := rs[p.path]
		if !ok {
			t.Errorf("%s has no import rule: add it to rules() and to ARCHITECTURE.md", p.path)
			continue
		}
		for _, imp := range p.imports {
			if !strings.HasPrefix(imp, module+"/") {
				for _, bad := range forbidden()[p.path] {
					if strings.HasPrefix(imp, bad) {
						t.Errorf("%s imports %s", p.path, imp)
					}
				}
				continue
			}
			rel := strings.TrimPrefix(imp, module+"/")
			switch {
			case slices.Contains(allowed, anyPublic):
				if strings.HasPrefix(rel, "internal/") {
					t.Errorf("%s imports %s: internal packages are not for hosts, test kits or examples", p.path, rel)
				}
			case !slices.Contains(allowed, rel):
				t.Errorf("%s imports %s, which its rule does not allow", p.path, rel)
			}
		}
	}
}

// TestCgoOnlyWhereListed: only the listed packages depend on the SQLite driver, so the rest builds without cgo.
func TestCgoOnlyWhereListed(t *testing.T) {
	t.Parallel()
	for _, p := range listPackages(t) {
		if slices.Contains(p.deps, "github.com/mattn/go-sqlite3") && !slices.Contains(cgoOnly(), p.path) {
			t.Errorf("%s depends on github.com/mattn/go-sqlite3 (cgo) but is not in cgoOnly", p.path)
		}
	}
}
