package fix

import (
	"log"

	"github.com/gin-gonic/gin"
)

func ok(c *gin.Context) bool { return false }

func basic(c *gin.Context) {
	if !ok(c) {
		c.AbortWithStatusJSON(401, gin.H{"error": "unauthorized"}) // want `add return after the abort`
	}
	c.JSON(200, gin.H{})
}

// The return goes after the logging, which still runs.
func logged(c *gin.Context, err error) {
	if err != nil {
		c.AbortWithStatus(500) // want `add return after the abort`
		log.Println(err)
	}
	c.Status(204)
}

// A plain Abort: the return goes after its response.
func plain(c *gin.Context) {
	if !ok(c) {
		c.Abort() // want `add return after c\.JSON`
		c.JSON(401, gin.H{})
	}
	c.JSON(200, gin.H{})
}

// The comment stays on the abort's line.
func commented(c *gin.Context) {
	if !ok(c) {
		c.AbortWithStatus(401) // deny // want `add return after the abort`
	}
	c.String(200, "ok")
}

func oneLine(r *gin.Engine) {
	r.GET("/", func(c *gin.Context) { c.AbortWithStatus(401); c.String(200, "ok") }) // want `add return after the abort`
}

// The write follows in the same block: return right after the abort.
func sameBlock(c *gin.Context) {
	c.AbortWithStatus(401) // want `add return after the abort`
	c.String(200, "ok")
}

func inCase(c *gin.Context, n int) {
	switch n {
	case 1:
		c.AbortWithStatus(400) // want `add return after the abort`
	}
	c.String(200, "ok")
}

// No fix: the path leaves the block by break.
func viaBreak(c *gin.Context, items []string) {
	for _, it := range items {
		if it == "" {
			c.AbortWithStatus(400) // want `add return after the abort`
			log.Println("empty")
			break
		}
	}
	c.String(200, "ok")
}

// No fix: the function has results.
func withResult(c *gin.Context) bool {
	if !ok(c) {
		c.AbortWithStatus(401) // want `add return after the abort`
	}
	c.Status(204)
	return true
}

func abort403(c *gin.Context) { c.AbortWithStatusJSON(403, gin.H{"error": "forbidden"}) }

// A helper that aborts: the return goes after its call.
func viaHelper(c *gin.Context) {
	if !ok(c) {
		abort403(c) // want `abort403 aborts with a response .* — add return after the call to abort403`
	}
	c.String(200, "ok")
}
