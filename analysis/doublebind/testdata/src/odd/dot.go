package odd

import (
	. "io"
	"log"
	"net/http"

	. "github.com/gin-gonic/gin"
)

func Dot(c *Context) {
	var a T
	_ = c.ShouldBindJSON(&a)
	b, _ := ReadAll(c.Request.Body) // want `io\.ReadAll reads the request body, which c\.ShouldBindJSON already consumed`
	log.Println(len(b))
}

func DotHTTP(w http.ResponseWriter, r *http.Request) {
	a, _ := ReadAll(r.Body)
	b, _ := ReadAll(r.Body) // want `io\.ReadAll reads the request body, which io\.ReadAll already consumed`
	log.Println(len(a), len(b))
}
