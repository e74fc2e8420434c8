package lateuse

import (
	"slices"
	"testing"
)

func TestIsPublicPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/healthz", true},
		{"/health", true},
		{"/HEALTH", true},
		{"/readyz", true},
		{"/ready", true},
		{"/live", true},
		{"/ping", true},
		{"/metrics", true},
		{"/static/*filepath", true},
		{"/assets", true},
		{"/swagger/*any", true},
		{"/docs", true},
		{"/favicon.ico", true},
		{"/robots.txt", true},
		{"/api/v1/health", true},
		{"health", true},
		{"/", false},
		{"", false},
		{"/orders", false},
		{"/debug/pprof", false},
		{"/api/v1/assets/:id", false},
		{"/api/docs/:id", false},
		{"/healthcheck", false},
		{"/users/:health", false},
		{"/*any", false},
	} {
		if got := isPublicPath(tc.path); got != tc.want {
			t.Errorf("isPublicPath(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestIsAccessText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"AuthRequired()", true},
		{"middleware.BasicAuth(accounts)", true},
		{"oauth2.Middleware()", true},
		{"jwtMiddleware.MiddlewareFunc()", true},
		{"sessions.Sessions(\"s\", store) github.com/gin-contrib/sessions", true},
		{"RequirePermission(\"admin\")", true},
		{"rbac.Check()", true},
		{"casbinMW", true},
		{"NewACLChecker()", true},
		{"acl.Check", true},
		{"RequireLogin", true},
		{"csrf.Middleware(opts)", true},
		{"TokenBucket(10)", true},
		{"gin.Logger()", false},
		{"gin.Recovery()", false},
		{"cors.Default()", false},
		{"NewOracleClient()", false},
		{"gzip.Gzip(gzip.DefaultCompression)", false},
		{"m", false},
	} {
		if got := isAccessText(tc.text); got != tc.want {
			t.Errorf("isAccessText(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"NewACLChecker()", []string{"new", "acl", "checker"}},
		{"acl.Check", []string{"acl", "check"}},
		{"oracleClient", []string{"oracle", "client"}},
		{"HTTPServer2", []string{"http", "server2"}},
		{"", nil},
	} {
		if got := words(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("words(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestList(t *testing.T) {
	for _, tc := range []struct {
		items []string
		want  string
	}{
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
		{[]string{"a", "b", "c", "d"}, "a, b, c and 1 more"},
		{[]string{"a", "b", "c", "d", "e"}, "a, b, c and 2 more"},
	} {
		if got := list(tc.items); got != tc.want {
			t.Errorf("list(%q) = %q, want %q", tc.items, got, tc.want)
		}
	}
}

func TestIsEarlyPath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/login", true},
		{"/LOGIN", true},
		{"/api/v1/login", true},
		{"/logout", true},
		{"/signin", true},
		{"/auth/callback", true},
		{"/oauth", true},
		{"/oauth2/authorize", true},
		{"/oauth2callback", true},
		{"/oidc/:provider/callback", true},
		{"/login.html", true},
		{"/", false},
		{"", false},
		{"/orders", false},
		{"/users/:login", false},
		{"/*login", false},
		{"/callbacks", false},
		{"/api/loginhistory", false},
		{"/auth", false},
		{"/webhooks/stripe", false},
	} {
		if got := isEarlyPath(tc.path); got != tc.want {
			t.Errorf("isEarlyPath(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		constant     bool
		want         routeKind
	}{
		{"GET", "/healthz", true, kindPublic},
		{"Static", "/static", true, kindPublic},
		{"Static", "/uploads", true, kindEarly},
		{"StaticFS", "", false, kindEarly},
		{"StaticFile", "/logo.svg", true, kindEarly},
		{"StaticFileFS", "/app.js", true, kindEarly},
		{"POST", "/login", true, kindEarly},
		{"group", "/oauth", true, kindEarly},
		{"GET", "/orders", true, kindAPI},
		{"GET", "", false, kindAPI},
		{"Any", "/uploads", true, kindAPI},
	} {
		if got := kindOf(tc.method, tc.path, tc.constant); got != tc.want {
			t.Errorf("kindOf(%q, %q, %v) = %v, want %v", tc.method, tc.path, tc.constant, got, tc.want)
		}
	}
}

func TestIsHeaderText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"cors.Default() github.com/gin-contrib/cors", true},
		{"cors.New(cfg) github.com/gin-contrib/cors", true},
		{"c.AllowAll() github.com/rs/cors/wrapper/gin", true},
		{"CORSMiddleware()", true},
		{"middleware.Cors()", true},
		{"SecureHeaders()", true},
		{"secure.New(secure.DefaultConfig()) github.com/gin-contrib/secure", true},
		{"helmet.Default() github.com/danielkov/gin-helmet", true},
		{"SecurityHeaders", true},
		{"mw.NoCache() example.com/app/headers", true},
		{"LogHeaders()", false},
		{"HeaderAuth()", false},
		{"CORSWithJWT()", false},
		{"SecureRateLimit(10)", false},
		{"headerLimiter", false},
		{"gin.Logger() github.com/gin-gonic/gin", false},
		{"gin.Recovery() github.com/gin-gonic/gin", false},
		{"RequestID()", false},
		{"Scorsese()", false},
		{"", false},
	} {
		if got := isHeaderText(tc.text); got != tc.want {
			t.Errorf("isHeaderText(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
