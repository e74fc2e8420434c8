package doublebind

import (
	"go/parser"
	"go/token"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"golang.org/x/tools/go/analysis"
)

func TestAddImport(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			"after gin, keeping its comment",
			"package p\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/gin-gonic/gin\" // web\n)\n",
			"package p\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/gin-gonic/gin\" // web\n\t\"github.com/gin-gonic/gin/binding\"\n)\n",
		},
		{
			"end of a group without gin",
			"package p\n\nimport (\n\t\"fmt\"\n)\n",
			"package p\n\nimport (\n\t\"fmt\"\n\t\"github.com/gin-gonic/gin/binding\"\n)\n",
		},
		{
			"a single import",
			"package p\n\nimport \"github.com/gin-gonic/gin\"\n",
			"package p\n\nimport \"github.com/gin-gonic/gin\"\n\nimport \"github.com/gin-gonic/gin/binding\"\n",
		},
		{
			"cgo group skipped",
			"package p\n\nimport (\n\t\"C\"\n)\n",
			"package p\n\nimport (\n\t\"C\"\n)\n\nimport \"github.com/gin-gonic/gin/binding\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", tt.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			tf := fset.File(f.Pos())
			e := addImport(tf, []byte(tt.src), f, bindingPath)
			if got := ruletest.ApplyEdits(t, tf, tt.src, []analysis.TextEdit{e}); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
