package odd

import (
	"log"
	. "net/http"
)

type Req = Request
type Hdr = Header

func dotHTTP(r *Req) {
	var h Hdr = r.Header
	log.Printf("%v", h) // want `the request headers r\.Header \(in h\) reach log\.Printf`
}

// Formats: explicit argument indexes and non-constant formats are treated
// as printing every operand; %% and * widths are skipped correctly.
func formats(r *Request, format string) {
	log.Printf("%[1]p", r) // want `\*http\.Request r is formatted into a log line with %v`
	log.Printf(format, r)  // want `\*http\.Request r is formatted into a log line with %v`
	log.Printf("100%% %*d %p", 3, 4, r)
	log.Printf("%d %v", 1, r.Header) // want `the request headers r\.Header reach log\.Printf`
	log.Printf("%s", "x", r)         // want `\*http\.Request r is formatted into a log line with %v`
}

// A request inside a container is printed as a pointer.
func container(r *Request) {
	log.Println([]any{r.Method, r})
	log.Printf("%v", map[string]*Request{"r": r})
}
