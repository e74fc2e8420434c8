// Package odd exercises unusual code: dot imports, aliases, generics,
// method values, shadowing, function values and odd formats.
package odd

import (
	"fmt"
	"log"
	"os"

	. "github.com/gin-gonic/gin"
)

type Ctx = Context

func alias(c *Ctx) {
	log.Println(c.GetHeader("Authorization")) // want `the Authorization header value reaches log\.Println`
}

func dotGin(c *Context) {
	fmt.Fprintf(DefaultErrorWriter, "%v\n", c.Request) // want `\*http\.Request c\.Request is formatted into a log line with %v`
	fmt.Fprintf(os.Stdout, "%T\n", c.Request)
}

// Generic helpers: the type parameter is not a source.
func logAll[T any](vs ...T) {
	for _, v := range vs {
		log.Println(v)
	}
}

func generic(c *Context) {
	logAll(c.GetHeader("User-Agent"))
	logAll[string](c.GetHeader("Authorization")) // not followed into the call
}

// Method values and function values are not resolved.
func methodValue(c *Context) {
	get := c.GetHeader
	tok := get("Authorization")
	p := log.Printf
	p("%s", tok)
	log.Println(get) // a method value, not a value of the header
}

// Shadowing: the inner tok is a different variable.
func shadow(c *Context) {
	tok := c.GetHeader("Authorization")
	{
		tok := "anonymous"
		log.Println(tok)
	}
	_ = tok
}

// A loop variable reused: the taint follows the latest assignment.
func reuse(c *Context) {
	var v string
	for _, name := range []string{"User-Agent", "Authorization"} {
		v = c.GetHeader(name) // the name is not a constant
		log.Println(v)
	}
}

// Values of unusual types.
type entry struct {
	Method string
	Auth   string
}

func structs(c *Context) {
	e := entry{Method: c.Request.Method}
	log.Printf("%+v", e)
	e.Auth = c.GetHeader("Authorization")
	log.Printf("%+v", e) // want `the Authorization header value \(in e\) reaches log\.Printf`
	var anyv any = c.GetHeader("Cookie")
	log.Println(anyv.(string))                           // want `the Cookie header value reaches log\.Println`
	log.Println(H{"auth": c.GetHeader("Authorization")}) // want `the Authorization header value reaches log\.Println`
}

// Blank and odd assignments do not crash.
func blanks(c *Context) {
	_ = c.GetHeader("Authorization")
	var _, _ = c.Cookie("x")
	a, b := c.GetHeader("Authorization"), 1
	_, _ = a, b
	ch := make(chan string, 1)
	ch <- c.GetHeader("Authorization")
	s, ok := <-ch
	log.Println(s, ok)
	m := map[string]string{}
	m["k"] += c.GetHeader("Authorization")
	log.Println(m) // want `the Authorization header value \(in m\) reaches log\.Println`
}

// Package-level variables are not tracked.
var lastAuth string

func track(c *Context) {
	lastAuth = c.GetHeader("Authorization")
}

func dumpLast() { log.Println(lastAuth) }

// print and println that are not the builtins.
func shadowBuiltin(c *Context) {
	println := func(...any) {}
	println(c.GetHeader("Authorization"))
}

// Methods of the universe's error have no package.
func universe(c *Context, err error) {
	log.Println(err.Error())
	log.Println(fmt.Errorf("auth %s", c.GetHeader("Authorization")).Error()) // want `the Authorization header value reaches log\.Println`
	log.Printf("%+v", c)                                                     // the context, whose Request prints as a pointer
}
