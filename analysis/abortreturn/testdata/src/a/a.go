package a

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func valid(c *gin.Context) bool { return false }

// Positive: the classic: abort on a failed check, then the success write.
func orders(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"}) // want `^c\.AbortWithStatusJSON does not stop the handler: execution continues to c\.JSON at line 21, which writes a second response \(gin logs "headers were already written"\) — add return after the abort$`
	}
	c.JSON(http.StatusOK, gin.H{"orders": []string{}})
}

// Positive: every abort kind, and every kind of write.
func kinds(c *gin.Context, err error) {
	if err != nil {
		c.AbortWithStatus(500) // want `c\.AbortWithStatus does not stop the handler: execution continues to c\.String at line 29`
	}
	c.String(200, "ok")
}

func withError(c *gin.Context, err error) {
	if err != nil {
		_ = c.AbortWithError(500, err) // want `c\.AbortWithError does not stop the handler: execution continues to c\.Writer\.Write at line 36`
	}
	c.Writer.Write([]byte("ok"))
}

func pureJSON(c *gin.Context, err error) {
	if err != nil {
		c.AbortWithStatusPureJSON(500, gin.H{}) // want `continues to fmt\.Fprintf to c\.Writer at line 43`
	}
	fmt.Fprintf(c.Writer, "ok")
}

// Positive: a second abort is a second write.
func twoAborts(c *gin.Context, a, b bool) {
	if a {
		c.AbortWithStatus(400) // want `continues to c\.AbortWithStatus at line 52`
	}
	if b {
		c.AbortWithStatus(403)
	}
}

// Positive: the write is in only one branch after the abort: still a path.
func laterBranch(c *gin.Context, a, b bool) {
	if a {
		c.AbortWithStatus(400) // want `continues to c\.Status at line 62`
	}
	if b {
		c.Status(204)
	}
}

// Positive: a plain Abort paired with its response, then the success write.
func plainPaired(c *gin.Context) {
	if !valid(c) {
		c.Abort() // want `^c\.Abort does not stop the handler: after c\.JSON at line 70 writes the abort's response, execution continues to c\.Redirect at line 72, .* — add return after c\.JSON$`
		c.JSON(401, gin.H{})
	}
	c.Redirect(302, "/home")
}

// Positive: the write before a plain Abort is its response.
func plainAfterWrite(c *gin.Context) {
	if !valid(c) {
		c.JSON(401, gin.H{})
		c.Abort() // want `c\.Abort does not stop the handler: execution continues to c\.HTML at line 81`
	}
	c.HTML(200, "index", nil)
}

// Positive: break out of the loop reaches the write after it.
func loopBreak(c *gin.Context, items []string) {
	for _, it := range items {
		if it == "" {
			c.AbortWithStatus(400) // want `continues to c\.IndentedJSON at line 92`
			break
		}
	}
	c.IndentedJSON(200, items)
}

// Positive: an abort in a loop with no way out writes again next time.
func loopAgain(c *gin.Context, items []string) {
	for _, it := range items {
		if it == "" {
			c.AbortWithStatus(400) // want `execution can come back around a loop to this c\.AbortWithStatus`
		}
	}
}

// Positive: switch cases after the abort's switch.
func switched(c *gin.Context, kind string) {
	switch kind {
	case "bad":
		c.AbortWithStatus(400) // want `continues to c\.Data at line 113`
	case "gone":
		c.AbortWithStatus(410)
		return
	}
	c.Data(200, "text/plain", nil)
}

// Negative: return after the abort.
func returned(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatusJSON(401, gin.H{})
		return
	}
	c.JSON(200, gin.H{})
}

// Negative: the write is in the else branch.
func elseBranch(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatus(401)
	} else {
		c.JSON(200, gin.H{})
	}
}

// Negative: the abort is the last statement on every path.
func lastStatement(c *gin.Context) {
	c.Header("X-Reason", "denied")
	if !valid(c) {
		log.Println("denied")
		c.AbortWithStatus(401)
	}
}

// Negative: c.Next() after an abort runs nothing.
func middleware(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		c.AbortWithStatusJSON(401, gin.H{"error": "unauthorized"})
	}
	c.Next()
}

// Negative: the common plain Abort idioms.
func plainIdioms(c *gin.Context, err error) {
	if err != nil {
		c.Abort()
		log.Println(err)
		c.JSON(500, gin.H{"error": err.Error()})
		return
	}
	if !valid(c) {
		c.JSON(401, gin.H{})
		c.Abort()
		return
	}
	c.JSON(200, gin.H{})
}

// Negative: a plain Abort with no write next to it is not checked.
func plainAlone(c *gin.Context) {
	if !valid(c) {
		c.Abort()
	}
	c.JSON(200, gin.H{})
}

// Negative: guarded by IsAborted / Written.
func guarded(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatus(401)
	}
	if !c.IsAborted() {
		c.JSON(200, gin.H{})
	}
	if c.Writer.Written() {
		return
	}
	c.JSON(200, gin.H{})
}

// Negative: panic, os.Exit and log.Fatal end the path.
func noReturn(c *gin.Context, n int) {
	switch n {
	case 1:
		c.AbortWithStatus(500)
		panic("boom")
	case 2:
		c.AbortWithStatus(500)
		os.Exit(1)
	case 3:
		c.AbortWithStatus(500)
		log.Fatal("boom")
	}
	c.JSON(200, gin.H{})
}

// Negative: another context's write, and a write in a function literal.
func otherContext(c, d *gin.Context) {
	if !valid(c) {
		c.AbortWithStatus(401)
	}
	d.JSON(200, gin.H{})
	done := func() { c.JSON(200, gin.H{}) }
	_ = done
}

// Negative: headers and reads are no writes; io.Copy from the request.
func notWrites(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatus(401)
	}
	c.Header("X", "y")
	c.Set("k", "v")
	_, _ = io.Copy(io.Discard, c.Request.Body)
	c.Writer.Header().Set("X", "y")
}

// Negative: a deferred abort runs last.
func deferred(c *gin.Context) {
	defer c.AbortWithStatus(500)
	c.JSON(200, gin.H{})
}

// Negative: the abort is unreachable.
func unreachable(c *gin.Context) {
	return
	c.AbortWithStatus(500)
	c.JSON(200, gin.H{})
}

// Suppressed.
func suppressed(c *gin.Context) {
	if !valid(c) {
		//ginleak:ignore abortreturn the proxy in front drops the second body
		c.AbortWithStatus(401)
	}
	c.JSON(200, gin.H{})
}

// Positive, no fix: a helper with results.
func check(c *gin.Context) error {
	if !valid(c) {
		c.AbortWithStatus(401) // want `continues to c\.Status at line 253`
	}
	c.Status(204)
	return errors.New("x")
}

// One report, for the writing abort, not for the plain Abort next to it.
func abortPair(c *gin.Context) {
	if !valid(c) {
		c.AbortWithStatus(401) // want `continues to c\.AbortWithStatus at line 265`
		c.Abort()
	}
	if !valid(c) {
		c.Abort()
		c.AbortWithStatus(401) // want `continues to c\.JSON`
	}
	c.JSON(200, gin.H{})
}
