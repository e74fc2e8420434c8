// Package odd exercises dot imports, aliases, generics, method values and
// function-valued variables.
package odd

import (
	"sync"

	. "github.com/gin-gonic/gin"
)

type Ctx = Context

type M = map[string]int

var dotted = M{} // want `package-level map dotted grows .*written at odd\.go:17 in handler Dot\)`

func Dot(c *Context) { dotted[c.Param("x")] = 1 }

var aliased = map[string]int{} // want `package-level map aliased grows .*written at odd\.go:21 in handler Aliased\)`

func Aliased(c *Ctx) { aliased[c.Param("x")]++ }

// A generic function reached from a handler.
var anyKeys = map[any]bool{} // want `package-level map anyKeys grows .*written at odd\.go:26 in mark, reached from handler Generic\)`

func mark[K comparable](k K) { anyKeys[k] = true }

func Generic(c *Context) { mark[string](c.Param("x")); mark(len(c.Param("y"))) }

// A method of a generic type reached from a handler.
type box[T any] struct{}

var boxed []any // want `package-level slice boxed grows .*appended at odd\.go:35 in box\.put, reached from handler Boxed\)`

func (box[T]) put(v T) { boxed = append(boxed, v) }

func Boxed(c *Context) { box[string]{}.put(c.Param("x")) }

// A function literal assigned to a package-level variable.
var recorded = map[string]struct{}{} // want `package-level map recorded grows .*written at odd\.go:42 in record, reached from handler FuncVar\)`

var record = func(k string) { recorded[k] = struct{}{} }

func FuncVar(c *Context) { record(c.Param("x")) }

// Method values and handler values.
var viaValue = map[string]int{} // want `package-level map viaValue grows .*written at odd\.go:49 in handler valueHandler\)`

func valueHandler(c *Context) { viaValue[c.Param("x")] = 1 }

func MethodValue(c *Context) {
	h := valueHandler
	h(c)
	j := c.JSON
	j(200, nil)
}

// Multi-name specs and parenthesised targets.
var (
	pa, pb = map[string]int{}, []int{} // want `package-level map pa grows .*written at odd\.go:64 in handler Paren\)` `package-level slice pb grows .*appended at odd\.go:65 in handler Paren\)`
)

func Paren(c *Context) {
	(pa)[c.Param("x")] = 1
	pb = append((pb), 1)
}

// --- not reported ---------------------------------------------------------

// Stored through a method value: not followed.
var smv sync.Map

func StoreValue(c *Context) {
	store := smv.Store
	store(c.Param("x"), 1)
}

// A named map type with a method of the package: the method may trim it.
type Registry map[string]int

func (r Registry) Add(k string) { r[k]++ }

var reg = Registry{}

func Reg(c *Context) { reg.Add(c.Param("x")) }

// A method of a generic struct: the write is through the receiver, which is
// not followed.
type Store[K comparable, V any] struct{ m map[K]V }

func (s *Store[K, V]) Put(k K, v V) { s.m[k] = v }

var gstore = &Store[string, int]{m: map[string]int{}}

func GStore(c *Context) { gstore.Put(c.Param("x"), 1) }

// Arrays are not tracked.
var shards [4]map[string]int

func Shard(c *Context) { shards[0][c.Param("x")] = 1 }

// Blank and unused.
var _ = map[string]int{}

// A conversion is an alias.
type Set map[string]bool

var converted = map[string]bool{}

func Convert(c *Context) {
	converted[c.Param("x")] = true
	s := Set(converted)
	_ = s
}

// Interface method calls are not followed.
type putter interface{ put(string) }

type impl struct{}

var viaIface = map[string]int{}

func (impl) put(k string) { viaIface[k] = 1 }

func Iface(c *Context) {
	var p putter = impl{}
	p.put(c.Param("x"))
}
