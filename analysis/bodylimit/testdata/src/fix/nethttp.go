package fix

import (
	"fmt"
	"io/ioutil"
	stdhttp "net/http"
	"os"
)

func Handler(rw stdhttp.ResponseWriter, req *stdhttp.Request) {
	body, _ := ioutil.ReadAll(req.Body) // want `wrap it: req\.Body = http\.MaxBytesReader\(rw, req\.Body, 1<<20\)`
	fmt.Fprintln(os.Stdout, len(body))
}

// The writer has no name: no fix.
func Unnamed(_ stdhttp.ResponseWriter, r *stdhttp.Request) {
	body, _ := ioutil.ReadAll(r.Body) // want `no size limit`
	fmt.Println(len(body))
}
