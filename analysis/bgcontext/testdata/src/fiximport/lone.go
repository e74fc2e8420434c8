package fiximport

import "context"
import "github.com/gin-gonic/gin"

func Lone(c *gin.Context) {
	_, _ = db.ExecContext(context.TODO(), "x") // want `context\.TODO\(\) passed to db\.ExecContext`
}
