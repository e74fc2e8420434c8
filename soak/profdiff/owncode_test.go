package profdiff

import "testing"

func TestOwnCode(t *testing.T) {
	tests := []struct {
		fn   string
		want bool
	}{
		{"main.handler", true},
		{"main.main.func1", true},
		{"github.com/acme/shop/api.(*Cart).Add", true},
		{"github.com/acme/shop/api.(*Cart).Add.func1", true},
		{"github.com/ginleak/ginleak/examples/leakyshop.leakyCache", true},
		{"myshop/api.Get", true},            // module path without a dot
		{"myshop.Get", true},                // root package of such a module
		{"go.acme.dev/shop.Get", true},      // a module on a go.* domain
		{"main.Map[go.shape.string]", true}, // generic instantiation
		{"gitlab.com/acme/svc.Run", true},
		{"github.com/gin-gonicx/fork.F", true}, // prefix must end at a path boundary
		{"runtime.mallocgc", false},
		{"runtime/pprof.writeHeap", false},
		{"internal/runtime/maps.newTable", false},
		{"net/http.(*conn).serve", false},
		{"bufio.NewReaderSize", false},
		{"encoding/json.Unmarshal", false},
		{"strings.(*Builder).grow", false},
		{"vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", false},
		{"slices.Grow[go.shape.[]uint8,go.shape.uint8]", false},
		{"type:.eq.main.T", false},
		{"go:buildid", false},
		{"", false},
		{"github.com/gin-gonic/gin.(*Context).Copy", false},
		{"github.com/gin-gonic/gin/binding.decodeJSON", false},
		{"github.com/gin-contrib/cors.New.func1", false},
		{"golang.org/x/net/http2.(*serverConn).serve", false},
		{"google.golang.org/grpc.(*Server).Serve", false},
		{"github.com/bytedance/sonic.Unmarshal", false},
		{"github.com/goccy/go-json.Unmarshal", false},
		{"github.com/go-playground/validator/v10.(*Validate).Struct", false},
		{"github.com/maypok86/otter/v2.(*Cache[...]).Set", false},
		{"github.com/google/uuid.New", false},
		{"go.uber.org/zap.(*Logger).Info", false},
	}
	for _, tt := range tests {
		if got := OwnCode(tt.fn); got != tt.want {
			t.Errorf("OwnCode(%q) = %v, want %v", tt.fn, got, tt.want)
		}
	}
}
