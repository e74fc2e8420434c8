// Two findings and no other use of package context: each fix alone keeps
// the import (the other call still needs it); drivers that remove unused
// imports after fixing (analysistest, the x/tools checker's -fix) drop it.
package fixtwo

import (
	"context"
	"database/sql"

	"github.com/gin-gonic/gin"
)

var db *sql.DB

func Two(c *gin.Context) {
	_, _ = db.ExecContext(context.Background(), "x") // want `passed to db\.ExecContext`
	_, _ = db.ExecContext(context.Background(), "y") // want `passed to db\.ExecContext`
}
