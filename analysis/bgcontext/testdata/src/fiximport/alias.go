package fiximport

import (
	stdctx "context" // the standard context
	"net/http"
)

func Alias(w http.ResponseWriter, r *http.Request) {
	ctx := stdctx.Background() // want `passed to db\.QueryContext through ctx`
	rows, err := db.QueryContext(ctx, "x")
	if err == nil {
		rows.Close()
	}
}
