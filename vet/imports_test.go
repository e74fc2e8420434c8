package vet

import (
	"strings"
	"testing"
)

func TestDropImportsMadeUnused(t *testing.T) {
	tests := []struct {
		name, orig, fixed, want string
	}{
		{
			name:  "fix removed the last use",
			orig:  "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc f(r *http.Request) { _ = context.Background() }\n",
			fixed: "package p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n)\n\nfunc f(r *http.Request) { _ = r.Context() }\n",
			want:  "package p\n\nimport (\n\t\"net/http\"\n)\n\nfunc f(r *http.Request) { _ = r.Context() }\n",
		},
		{
			name:  "lone import declaration",
			orig:  "package p\n\nimport \"context\"\n\nimport \"net/http\"\n\nfunc f(r *http.Request) { _ = context.TODO() }\n",
			fixed: "package p\n\nimport \"context\"\n\nimport \"net/http\"\n\nfunc f(r *http.Request) { _ = r.Context() }\n",
			want:  "package p\n\n\nimport \"net/http\"\n\nfunc f(r *http.Request) { _ = r.Context() }\n",
		},
		{
			name:  "still used",
			orig:  "package p\n\nimport \"context\"\n\nvar a, b = context.Background(), context.TODO()\n",
			fixed: "package p\n\nimport \"context\"\n\nvar a, b = context.Background(), context.Background()\n",
			want:  "package p\n\nimport \"context\"\n\nvar a, b = context.Background(), context.Background()\n",
		},
		{
			name:  "unused before the fix: not ours",
			orig:  "package p\n\nimport (\n\t\"fmt\"\n)\n",
			fixed: "package p\n\nimport (\n\t\"fmt\"\n)\n\nvar x = 1\n",
			want:  "package p\n\nimport (\n\t\"fmt\"\n)\n\nvar x = 1\n",
		},
		{
			name:  "name differs from path: left alone",
			orig:  "package p\n\nimport (\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = yaml.Marshal\n",
			fixed: "package p\n\nimport (\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = 1\n",
			want:  "package p\n\nimport (\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = 1\n",
		},
		{
			name:  "blank and renamed",
			orig:  "package p\n\nimport (\n\t_ \"embed\"\n\tstd \"context\"\n)\n\nvar _ = std.TODO()\n",
			fixed: "package p\n\nimport (\n\t_ \"embed\"\n\tstd \"context\"\n)\n\nvar _ = 1\n",
			want:  "package p\n\nimport (\n\t_ \"embed\"\n)\n\nvar _ = 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dropImportsMadeUnused([]byte(tt.orig), []byte(tt.fixed))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	if _, err := dropImportsMadeUnused([]byte("package p\n"), []byte("package p\nfunc {")); err == nil || !strings.Contains(err.Error(), "expected") {
		t.Errorf("broken fixed source: err = %v", err)
	}
}
