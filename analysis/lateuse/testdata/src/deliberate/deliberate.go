// Package deliberate holds the router layouts real applications write on
// purpose — health, docs, static files and login callbacks first, then
// CORS or response-header middleware — and the late middleware that still
// matter after them.
package deliberate

import (
	"log"
	"net/http"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	rscors "github.com/rs/cors/wrapper/gin"
)

func h(c *gin.Context) {}

func CORSMiddleware() gin.HandlerFunc { return nil }
func SecureHeaders() gin.HandlerFunc  { return nil }
func LogHeaders() gin.HandlerFunc     { return nil }
func AuthRequired() gin.HandlerFunc   { return nil }
func RateLimit(n int) gin.HandlerFunc { return nil }
func BodyLimit(n int) gin.HandlerFunc { return nil }

// Negative: public, static and login routes, then CORS.
func corsAfterPublic(r *gin.Engine, fs http.FileSystem, dir string) {
	r.GET("/healthz", h)
	r.GET("/swagger/*any", h)
	r.Static("/uploads", "./uploads")
	r.Static(dir, dir)
	r.StaticFS("/files", fs)
	r.StaticFile("/logo.png", "./logo.png")
	r.StaticFileFS("/app.js", "app.js", fs)
	r.POST("/login", h)
	r.GET("/api/v1/logout", h)
	r.GET("/auth/callback", h)
	r.GET("/oauth2/authorize", h)
	r.GET("/oidc/:provider/callback", h)
	r.Group("/signin").POST("", h)
	r.Use(cors.Default())
	r.GET("/orders", h)
}

// Negative: the other CORS packages and header middleware by name, alone
// or together.
func namedHeaders(r *gin.Engine) {
	r.POST("/login", h)
	r.Use(cors.New(cors.Config{AllowOrigins: []string{"https://example.com"}}))
	r.Use(rscors.AllowAll())
	r.Use(CORSMiddleware(), SecureHeaders())
}

// Negative: a literal that only sets headers (and answers preflights).
func literalHeaders(r *gin.Engine) {
	r.Static("/assets-v2", "./dist")
	r.Use(func(c *gin.Context) {
		c.Header("X-Frame-Options", "DENY")
		c.Writer.Header().Set("Access-Control-Allow-Origin", c.GetHeader("Origin"))
		if c.Request.Method == http.MethodOptions {
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	})
}

// hardening and preflight are named for neither CORS nor headers; their
// bodies only set headers.
func hardening(c *gin.Context) {
	c.Writer.Header().Add("Strict-Transport-Security", "max-age=63072000")
	c.Next()
}

func preflight() gin.HandlerFunc {
	allowed := "GET, POST"
	return func(c *gin.Context) {
		c.Header("Access-Control-Allow-Methods", allowed)
		c.Next()
	}
}

func bodiesOnlySetHeaders(r *gin.Engine) {
	r.GET("/login", h)
	r.Use(hardening)
	r.Use(preflight())
}

// Positive: CORS after an API route: the API route misses it (browsers
// refuse its answers). Only the API route is named.
func corsAfterAPI(r *gin.Engine) {
	r.POST("/login", h)
	r.GET("/orders", h)
	r.Use(cors.Default()) // want `^r\.Use\(cors\.Default\(\)\) comes after GET /orders was registered on r: gin copies the handler chain at registration, so it runs without this middleware — move Use before the routes$`
}

// Positive: logging, recovery, rate and body limits after static files and
// login routes are still missing from them.
func loggerAfterStatic(r *gin.Engine) {
	r.Static("/uploads", "./uploads")
	r.POST("/login", h)
	r.Use(gin.Logger()) // want `^r\.Use\(gin\.Logger\(\)\) comes after Static /uploads and POST /login were registered on r`
}

func recoveryAfterCallback(r *gin.Engine) {
	r.GET("/auth/callback", h)
	r.Use(gin.Recovery()) // want `comes after GET /auth/callback was registered on r`
}

func rateLimitAfterLogin(r *gin.Engine) {
	r.POST("/login", h)
	r.Use(RateLimit(10)) // want `^r\.Use\(RateLimit\(10\)\) comes after POST /login was registered on r: .* move Use before the routes$`
}

func bodyLimitAfterLogin(r *gin.Engine) {
	r.POST("/login", h)
	r.Use(BodyLimit(1 << 20)) // want `comes after POST /login was registered on r`
}

// Positive, error: access control after a login route keeps the bypass
// wording (the login route itself may be meant to be open; the rule cannot
// tell it from the routes after it).
func authAfterLogin(r *gin.Engine) {
	r.POST("/login", h)
	r.Use(AuthRequired()) // want `comes after POST /login was registered on r: .* likely an authentication bypass`
}

// Positive: CORS together with something else, a header-named middleware
// that logs, a spread list, and a literal that does more than set headers.
func notOnlyHeaders(r *gin.Engine, mws []gin.HandlerFunc) {
	r.StaticFile("/logo.svg", "./logo.svg")
	r.Use(cors.Default(), gin.Logger()) // want `comes after StaticFile /logo\.svg was registered on r`
	r.Use(LogHeaders())                 // want `comes after StaticFile /logo\.svg`
	r.Use(mws...)                       // want `comes after StaticFile /logo\.svg`
	r.Use(func(c *gin.Context) {        // want `comes after StaticFile /logo\.svg`
		c.Header("X-Request-Start", "now")
		log.Println(c.Request.URL.Path)
		c.Next()
	})
	r.Use(func(c *gin.Context) { c.Next() }) // want `comes after StaticFile /logo\.svg`
}

// Positive: a path that only looks like a login route.
func lookalikes(r *gin.Engine) {
	r.GET("/users/:login", h)
	r.GET("/callbacks", h)
	r.GET("/api/loginhistory", h)
	r.Use(cors.Default()) // want `comes after GET /users/:login, GET /callbacks and GET /api/loginhistory were registered on r`
}
