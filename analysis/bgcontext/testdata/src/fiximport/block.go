package fiximport

import (
	"context"
	"database/sql"
	"net/http"
)

var db *sql.DB

func Handle(w http.ResponseWriter, r *http.Request) {
	_, _ = db.ExecContext(context.Background(), "x") // want `passed to db\.ExecContext`
}
