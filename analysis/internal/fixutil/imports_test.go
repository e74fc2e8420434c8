package fixutil

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func parse(t *testing.T, src string) (*token.FileSet, *token.File, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return fset, fset.File(f.Pos()), f
}

func TestAddStdImports(t *testing.T) {
	tests := []struct {
		name      string
		blankLine bool
		paths     []string
		src, want string
	}{{
		name:  "between standard imports",
		paths: []string{"net/http"},
		src:   "package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n",
		want:  "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)\n",
	}, {
		name:  "sorted among std, two paths",
		paths: []string{"bytes", "io"},
		src:   "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		want:  "package p\n\nimport (\n\t\"bytes\"\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
	}, {
		name:  "two paths before the same spec share an edit",
		paths: []string{"bytes", "io"},
		src:   "package p\n\nimport (\n\t\"log\"\n)\n",
		want:  "package p\n\nimport (\n\t\"bytes\"\n\t\"io\"\n\t\"log\"\n)\n",
	}, {
		name:  "after the last, keeping its comment",
		paths: []string{"net/http"},
		src:   "package p\n\nimport (\n\t\"fmt\"\n\t\"io\" // streams\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		want:  "package p\n\nimport (\n\t\"fmt\"\n\t\"io\" // streams\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
	}, {
		name:  "after the last, crlf",
		paths: []string{"io"},
		src:   "package p\r\n\r\nimport (\r\n\t\"errors\" // why\r\n)\r\n",
		want:  "package p\r\n\r\nimport (\r\n\t\"errors\" // why\n\t\"io\"\r\n)\r\n",
	}, {
		name:  "after the last, more specs on its line",
		paths: []string{"os"},
		src:   "package p\n\nimport (\"fmt\"; \"io\"; \"example.com/x\")\n",
		want:  "package p\n\nimport (\"fmt\"; \"io\"\n\t\"os\"; \"example.com/x\")\n",
	}, {
		name:  "before a documented import",
		paths: []string{"net/http"},
		src:   "package p\n\nimport (\n\t// the OS\n\t\"os\"\n)\n",
		want:  "package p\n\nimport (\n\t\"net/http\"\n\t// the OS\n\t\"os\"\n)\n",
	}, {
		name:  "only third-party imports",
		paths: []string{"bytes", "io"},
		src:   "package p\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n)\n",
		want:  "package p\n\nimport (\n\t\"bytes\"\n\t\"io\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
	}, {
		name:      "a single import, blank line",
		blankLine: true,
		paths:     []string{"net/http"},
		src:       "package p\n\nimport \"github.com/gin-gonic/gin\"\n",
		want:      "package p\n\nimport \"github.com/gin-gonic/gin\"\n\nimport \"net/http\"\n",
	}, {
		name:  "a single import, two paths",
		paths: []string{"bytes", "io"},
		src:   "package p\n\nimport \"net/http\"\n\nvar _ http.Handler\n",
		want:  "package p\n\nimport \"net/http\"\nimport \"bytes\"\nimport \"io\"\n\nvar _ http.Handler\n",
	}, {
		name:      "no imports, blank line",
		blankLine: true,
		paths:     []string{"net/http"},
		src:       "package p\n\nvar x int\n",
		want:      "package p\n\nimport \"net/http\"\n\nvar x int\n",
	}, {
		name:  "no imports",
		paths: []string{"io"},
		src:   "package p\n\nfunc f() {}\n",
		want:  "package p\nimport \"io\"\n\nfunc f() {}\n",
	}, {
		name:  "cgo group skipped for the next",
		paths: []string{"net/http"},
		src:   "package p\n\nimport (\n\t\"C\"\n)\n\nimport (\n\t\"os\"\n)\n",
		want:  "package p\n\nimport (\n\t\"C\"\n)\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n",
	}, {
		name:  "cgo group left alone",
		paths: []string{"io"},
		src:   "package p\n\n// #include <stdio.h>\nimport (\n\t\"C\"\n)\nimport \"net/http\"\n",
		want:  "package p\n\n// #include <stdio.h>\nimport (\n\t\"C\"\n)\nimport \"net/http\"\nimport \"io\"\n",
	}, {
		name: "none",
		src:  "package p\n\nimport (\n\t\"io\"\n)\n",
		want: "package p\n\nimport (\n\t\"io\"\n)\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset, tf, f := parse(t, tt.src)
			got := ruletest.ApplyEdits(t, tf, tt.src, AddStdImports(tf, []byte(tt.src), f, tt.blankLine, tt.paths...))
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			if _, err := parser.ParseFile(fset, "fixed.go", got, 0); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
}

func TestImportName(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
		add, ok   bool
	}{
		{"imported", `import "net/http"; var _ http.Handler`, "http", false, true},
		{"renamed", `import h "net/http"; var _ h.Handler`, "h", false, true},
		{"blank only", `import _ "net/http"`, "http", true, true},
		{"dot only", `import . "net/http"; var _ Handler`, "http", true, true},
		{"first regular import", `import (_ "net/http"; h "net/http"; h2 "net/http"); var _ h.Handler; var _ h2.Handler`, "h", false, true},
		{"not imported", `import "fmt"; var _ = fmt.Sprint`, "http", true, true},
		{"default name taken", `var http = 1`, "http", true, false},
		{"shadowed at pos", `import "net/http"; var _ http.Handler; func f() { http := 1; _ = http; /*pos*/ }`, "http", false, false},
		{"taken elsewhere only", `func g() { http := 1; _ = http }; func f() { /*pos*/ }`, "http", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\n\n" + tt.src + "\n"
			fset, _, f := parse(t, src)
			conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
			pkg, _ := conf.Check("p", fset, []*ast.File{f}, nil)
			pos := f.FileEnd - 1
			if len(f.Comments) > 0 {
				pos = f.Comments[len(f.Comments)-1].Pos() // /*pos*/
			}
			name, add, ok := ImportName(pkg, f, pos, "net/http")
			if name != tt.want || add != tt.add || ok != tt.ok {
				t.Errorf("ImportName = %q, %v, %v; want %q, %v, %v", name, add, ok, tt.want, tt.add, tt.ok)
			}
		})
	}
}

func TestIsStd(t *testing.T) {
	for path, want := range map[string]bool{
		"io":                       true,
		"net/http":                 true,
		"C":                        true,
		"github.com/gin-gonic/gin": false,
		"example.com":              false,
		"golang.org/x/sync":        false,
	} {
		if got := isStd(path); got != want {
			t.Errorf("isStd(%q) = %v, want %v", path, got, want)
		}
	}
}
