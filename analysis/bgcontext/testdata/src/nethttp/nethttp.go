package nethttp

import (
	"context"
	"database/sql"
	"net/http"
	"time"
)

var db *sql.DB

func Handle(w http.ResponseWriter, r *http.Request) {
	row := db.QueryRowContext(context.Background(), "SELECT 1") // want `context\.Background\(\) passed to db\.QueryRowContext in a request handler: .* — pass r\.Context\(\)`
	_ = row
}

type API struct{ client *http.Client }

func (a *API) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	out, _ := http.NewRequestWithContext(context.TODO(), "GET", "http://upstream", nil) // want `context\.TODO\(\) passed to http\.NewRequestWithContext in a request handler: .* — pass req\.Context\(\)`
	_, _ = a.client.Do(out)
}

func Register(mux *http.ServeMux) {
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		ctx := context.Background() // want `passed to db\.ExecContext through ctx`
		_, _ = db.ExecContext(ctx, "DELETE FROM t")
	})
}

// Unnamed request parameter: reported, no fix.
func Unnamed(w http.ResponseWriter, _ *http.Request) {
	_, _ = db.ExecContext(context.Background(), "x") // want `pass the request's context \(r\.Context\(\)\)`
}

// Negative cases.

func Good(w http.ResponseWriter, r *http.Request) {
	_, _ = db.ExecContext(r.Context(), "x")
	ctx, cancel := context.WithTimeoutCause(context.Background(), time.Second, nil)
	defer cancel()
	_, _ = db.ExecContext(ctx, "y")
}

// A *http.Request alone is not a handler: client code builds requests.
func build(r *http.Request) {
	_, _ = db.ExecContext(context.Background(), "x")
}

func main() {
	srv := &http.Server{}
	_ = srv.Shutdown(context.Background())
}
