package input

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Request decoding belongs to the HTTP edge: only internal/api reads
// bodies with this package, and no domain package imports the HTTP layer
// (the composition root, internal/app, cmd/, the test server helper and
// the dashboard may: the dashboard is a second edge, whose pages run the
// API's own routes in-process so no rule is written twice).
func TestImportedByTheEdgeOnly(t *testing.T) {
	const mod = "github.com/cobrobilling/cobro/"
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == mod+"internal/input" && !strings.HasPrefix(rel, "internal/api/") && !strings.HasPrefix(rel, "internal/input/"):
				t.Errorf("%s imports internal/input: decode the body in internal/api and pass a typed command", rel)
			case strings.HasPrefix(p, mod+"internal/api") && strings.HasPrefix(rel, "internal/") &&
				!strings.HasPrefix(rel, "internal/api/") && !strings.HasPrefix(rel, "internal/apitest/") && !strings.HasPrefix(rel, "internal/app/") &&
				!strings.HasPrefix(rel, "internal/dashboard/") && !strings.HasSuffix(rel, "_test.go"):
				t.Errorf("%s imports the HTTP layer (%s)", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
