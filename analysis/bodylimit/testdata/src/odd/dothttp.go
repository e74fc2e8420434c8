package odd

import (
	. "io"
	"log"
	. "net/http"
)

func DotHTTP(w ResponseWriter, r *Request) {
	body, _ := ReadAll((r.Body)) // want `wrap it: r\.Body = http\.MaxBytesReader\(w, r\.Body, 1<<20\)`
	log.Println(len(body))
}

func DotLimited(w ResponseWriter, r *Request) {
	r.Body = MaxBytesReader(w, r.Body, 1<<20)
	body, _ := ReadAll(r.Body)
	log.Println(len(body))
}
