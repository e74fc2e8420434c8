package diagnose

import "testing"

func TestOwn(t *testing.T) {
	o := Owner{GOROOT: "/usr/local/go", ModulePath: "github.com/acme/shop"}
	tests := []struct {
		name string
		o    Owner
		f    Frame
		want bool
	}{
		{"stdlib", o, Frame{"net/http.(*conn).serve", "/usr/local/go/src/net/http/server.go", 1}, false},
		{"runtime", o, Frame{"runtime.gopark", "/usr/local/go/src/runtime/proc.go", 1}, false},
		{"module cache", o, Frame{"github.com/gin-gonic/gin.(*Context).Next", "/root/go/pkg/mod/github.com/gin-gonic/gin@v1.12.0/context.go", 1}, false},
		{"toolchain in the module cache", o, Frame{"runtime.gopark", "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/src/runtime/proc.go", 1}, false},
		{"vendored", o, Frame{"github.com/lib/pq.(*conn).recv", "/src/shop/vendor/github.com/lib/pq/conn.go", 1}, false},
		{"main package", o, Frame{"main.handler", "/src/shop/main.go", 1}, true},
		{"own package", o, Frame{"github.com/acme/shop/api.(*Cart).Add.func1", "/src/shop/api/cart.go", 1}, true},
		{"own package, no file", o, Frame{"github.com/acme/shop.Run", "", 0}, true},
		{"own module vendored elsewhere", o, Frame{"github.com/acme/shop/api.Get", "/x/vendor/github.com/acme/shop/api/get.go", 1}, true},
		{"unknown file", o, Frame{"main.handler", "", 0}, false},
		{"a module that only shares a prefix", o, Frame{"github.com/acme/shopping.X", "/root/go/pkg/mod/github.com/acme/shopping@v1.0.0/x.go", 1}, false},
		{"a library checked out beside the service", o, Frame{"github.com/acme/lib.F", "/src/lib/f.go", 1}, true},
		{"windows module cache", o, Frame{"github.com/x/y.F", `C:\Users\a\go\pkg\mod\github.com\x\y@v1.0.0\f.go`, 1}, false},
		{"windows own", Owner{GOROOT: `C:\Go`}, Frame{"main.f", `C:\src\shop\main.go`, 1}, true},
		{"windows goroot", Owner{GOROOT: `C:\Go`}, Frame{"net/http.Get", `C:\Go\src\net\http\client.go`, 1}, false},
		// -trimpath binaries record relative paths.
		{"trimpath stdlib", o, Frame{"runtime.gopark", "runtime/proc.go", 1}, false},
		{"trimpath module cache", o, Frame{"github.com/gin-gonic/gin.(*Context).Next", "github.com/gin-gonic/gin@v1.12.0/context.go", 1}, false},
		{"trimpath main module", Owner{}, Frame{"main.handler", "example.com/shop/main.go", 1}, true},
		{"trimpath dotless module needs ModulePath", Owner{}, Frame{"myshop/api.Get", "myshop/api/get.go", 1}, false},
		{"trimpath dotless module with ModulePath", Owner{ModulePath: "myshop"}, Frame{"myshop/api.Get", "myshop/api/get.go", 1}, true},
		// Without GOROOT, the function's package decides.
		{"no GOROOT, stdlib", Owner{}, Frame{"net/http.(*conn).serve", "/opt/go/src/net/http/server.go", 1}, false},
		{"no GOROOT, main", Owner{}, Frame{"main.handler", "/src/shop/main.go", 1}, true},
		{"no GOROOT, dotted module", Owner{}, Frame{"github.com/acme/shop/api.Get", "/src/shop/api/get.go", 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.Own(tt.f); got != tt.want {
				t.Errorf("%+v.Own(%+v) = %v, want %v", tt.o, tt.f, got, tt.want)
			}
		})
	}
}

func TestGOROOTOf(t *testing.T) {
	tests := []struct {
		name   string
		frames []Frame
		want   string
	}{
		{"runtime frame", []Frame{{"main.f", "/src/main.go", 1}, {"runtime.gopark", "/usr/local/go/src/runtime/proc.go", 1}}, "/usr/local/go"},
		{"toolchain", []Frame{{"runtime.goexit", "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/src/runtime/asm_amd64.s", 1}}, "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64"},
		{"trimpath", []Frame{{"runtime.gopark", "runtime/proc.go", 1}}, ""},
		{"runtime/pprof is not the runtime", []Frame{{"runtime/pprof.Do", "/usr/local/go/src/runtime/pprof/label.go", 1}}, ""},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GOROOTOf(tt.frames); got != tt.want {
				t.Errorf("GOROOTOf = %q, want %q", got, tt.want)
			}
		})
	}
}
