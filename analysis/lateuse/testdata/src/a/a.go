package a

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func AuthRequired() gin.HandlerFunc  { return func(c *gin.Context) { c.Next() } }
func JWTMiddleware() gin.HandlerFunc { return func(c *gin.Context) { c.Next() } }
func RequestID() gin.HandlerFunc     { return func(c *gin.Context) { c.Next() } }
func NewOracleClient() gin.HandlerFunc {
	return func(c *gin.Context) { c.Next() }
}
func NewACLChecker() gin.HandlerFunc { return func(c *gin.Context) { c.Next() } }

func list(c *gin.Context)   {}
func create(c *gin.Context) {}
func health(c *gin.Context) {}

// Positive: the auth middleware comes after a route and a group.
func authAfterRoutes() {
	r := gin.New()
	r.GET("/orders", list)
	admin := r.Group("/admin")
	admin.POST("/users", create)
	r.Use(AuthRequired()) // want `^r\.Use\(AuthRequired\(\)\) comes after GET /orders and group /admin were registered on r: gin copies the handler chain at registration, so they run without this middleware — likely an authentication bypass: move Use before the routes$`
}

// Positive: a non-access-control middleware is a warning without the
// bypass wording.
func loggerAfterRoute() {
	r := gin.New()
	r.POST("/orders", create)
	r.Use(gin.Logger()) // want `^r\.Use\(gin\.Logger\(\)\) comes after POST /orders was registered on r: gin copies the handler chain at registration, so it runs without this middleware — move Use before the routes$`
}

// Positive: Use on a group after routes on that group.
func groupLate(r *gin.Engine) {
	api := r.Group("/api")
	api.GET("/orders", list)
	api.Use(JWTMiddleware()) // want `api\.Use\(JWTMiddleware\(\)\) comes after GET /orders was registered on api: .* likely an authentication bypass`
}

// Positive: a group created before Use keeps the old chain even for routes
// added to it after the Use.
func groupCreatedEarly(r *gin.Engine) {
	v1 := r.Group("/v1")
	r.Use(AuthRequired()) // want `comes after group /v1 was registered on r`
	v1.GET("/orders", list)
}

// Positive: health routes are fine, but an API route is among them; only
// the uncovered non-public routes are named.
func mixed(r *gin.Engine) {
	r.GET("/healthz", health)
	r.GET("/metrics", health)
	r.DELETE("/orders/:id", list)
	r.Use(AuthRequired()) // want `comes after DELETE /orders/:id was registered on r`
}

// Positive: chained registrations; the group is created from r.
func chained(r *gin.Engine) {
	r.Group("/reports").GET("/daily", list)
	r.GET("/a", list).POST("/b", create)
	r.Use(RequestID()) // want `comes after group /reports, GET /a and POST /b were registered on r`
}

// Positive: Handle, Any, Match and Static name their method or kind; more
// than three are summarised.
func manyKinds(r gin.IRouter) {
	r.Handle("PATCH", "/x", list)
	r.Any("/y", list)
	r.Match([]string{http.MethodGet}, "/z", list)
	r.Static("/uploads", "./uploads")
	r.Use(NewACLChecker()) // want `comes after PATCH /x, Any /y, Match /z and 1 more were registered on r: .* likely an authentication bypass`
}

// Positive: a router held in a struct field.
type server struct{ engine *gin.Engine }

func (s *server) routes() {
	s.engine.GET("/orders", list)
	s.engine.Use(AuthRequired()) // want `s\.engine\.Use\(AuthRequired\(\)\) comes after GET /orders was registered on s\.engine`
}

// Positive: a chained Use after a registration.
func chainedUse(r *gin.Engine) {
	r.GET("/orders", list).Use(AuthRequired()) // want `comes after GET /orders was registered on r\.GET\("/orders", list\)`
}

// Positive: a function literal middleware is named by its text.
func literalMiddleware(r *gin.Engine) {
	r.GET("/orders", list)
	r.Use(func(c *gin.Context) { c.Next() }) // want `^r\.Use\(func\(\.\.\.\) \{\.\.\.\}\) comes after GET /orders`
}

// Positive: a spread list of middleware, and a long call shortened.
func spread(r *gin.Engine, mws []gin.HandlerFunc) {
	r.GET("/orders", list)
	r.Use(mws...)                                                              // want `^r\.Use\(mws\.\.\.\) comes after GET /orders`
	r.Use(gin.Logger(), gin.Recovery(), RequestID(), RequestID(), RequestID()) // want `^r\.Use\(\.\.\.\) comes after GET /orders`
}

// Negative: Use before any route.
func useFirst() {
	r := gin.New()
	r.Use(AuthRequired())
	r.GET("/orders", list)
	api := r.Group("/api")
	api.GET("/x", list)
}

// Negative: only public routes before the middleware.
func publicFirst(r *gin.Engine) {
	r.GET("/health", health)
	r.GET("/healthz", health)
	r.GET("/readyz", health)
	r.GET("/live", health)
	r.GET("/ping", health)
	r.GET("/metrics", health)
	r.GET("/api/v1/health", health)
	r.Static("/static", "./static")
	r.Static("/assets", "./assets")
	r.GET("/swagger/*any", health)
	r.GET("/docs", health)
	r.StaticFile("/favicon.ico", "./favicon.ico")
	r.StaticFile("/robots.txt", "./robots.txt")
	r.Group("/Metrics").GET("", health)
	r.Use(AuthRequired())
	r.GET("/orders", list)
}

// Negative: Use on another router than the one the routes are on.
func otherRouter(r *gin.Engine) {
	public := r.Group("/public")
	public.GET("/catalog", list)
	private := r.Group("/private")
	private.Use(AuthRequired())
	private.GET("/orders", list)
}

// Negative: the middleware is passed to Group, not added later.
func groupWithMiddleware(r *gin.Engine) {
	admin := r.Group("/admin", AuthRequired())
	admin.GET("/users", list)
}

// Negative: the variable holds a fresh engine by the time Use runs.
func reassigned() {
	r := gin.New()
	r.GET("/orders", list)
	r = gin.New()
	r.Use(AuthRequired())
}

// Negative: routes registered in a handler literal belong to another
// function body.
func otherFunction(r *gin.Engine) {
	setup := func() {
		r.GET("/orders", list)
	}
	r.Use(AuthRequired())
	setup()
}

// Negative: Use without middleware, and a Use chained before routes.
func emptyUse(r *gin.Engine) {
	r.GET("/orders", list)
	r.Use()
}

func chainedBefore(r *gin.Engine) {
	r.Use(AuthRequired()).GET("/x", list)
}

// Negative: NoRoute handlers are rebuilt by Engine.Use.
func noRoute(r *gin.Engine) {
	r.NoRoute(list)
	r.Use(AuthRequired())
}

// Suppressed.
func suppressed(r *gin.Engine) {
	r.GET("/", list)
	//ginleak:ignore lateuse the index page is public and must not log
	r.Use(gin.Logger())
}

// Severity: the oracle client is no access list.
func oracle(r *gin.Engine) {
	r.GET("/orders", list)
	r.Use(NewOracleClient()) // want `comes after GET /orders was registered on r: gin copies the handler chain at registration, so it runs without this middleware — move Use`
}
