package ginleaktest_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/ginleaktest"
)

// NoLeak on a Gin engine: in a test of your service, build the engine as
// main does and soak the routes that matter. Set runtime.MemProfileRate in
// TestMain (see the package documentation), and do not call t.Parallel.
func ExampleNoLeak() {
	t := &testing.T{} // in a test: the t of func TestOrdersNoLeak(t *testing.T)

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/orders/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "status": "shipped"})
	})

	ginleaktest.NoLeak(t, r,
		ginleaktest.Request(http.MethodGet, "/orders/{{seq}}", nil, nil), // a new id per request
		ginleaktest.Requests(5000),
	)
}
