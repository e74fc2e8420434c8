// Package routeloop defines an Analyzer that reports handler function
// literals registered inside a loop that capture a variable declared by the
// loop, in files compiled with Go language versions before 1.22.
//
// # Analyzer routeloop
//
// routeloop: handler registered in a loop captures the loop variable (Go < 1.22)
//
// Before Go 1.22 the variables declared by a for statement (for k, v := range
// xs, or the init statement of for i := 0; ...; ...) are created once and
// reused by every iteration. A handler literal registered inside the loop
// (gin's GET, POST, ..., Any, Handle, Match and Use on an engine, router
// group or IRoutes/IRouter, net/http's HandleFunc and Handle and the
// ServeMux methods) captures that single variable, so after the loop every
// registered handler sees the value of the last iteration: routes serve the
// wrong target, and every handler keeps the last element (and all it
// references) alive for the life of the server.
//
// The language version is the file's: the go line of go.mod, or a
// //go:build go1.N constraint in the file (types.Info.FileVersions, falling
// back to the package's version). Files at go1.22 or later, and files whose
// version is unknown (for example GOPATH mode without a build constraint),
// are not reported.
//
// Not reported: a shadow copy (route := route) at the top of the loop body,
// and values passed as arguments to a factory that returns the handler
// (func(target string) gin.HandlerFunc { ... }(route.target)).
//
// The suggested fix inserts the shadow copy as the first statement of the
// loop body. It is not offered for a three-clause loop whose body assigns
// the variable or takes its address, where a copy would change how the
// loop advances.
package routeloop

// Doc is the analyzer's documentation.
const Doc = `routeloop: handler registered in a loop captures the loop variable (Go < 1.22)

Before Go 1.22 a for statement declares its variables once for the whole
loop. A handler literal registered inside the loop (gin's GET/POST/PUT/
PATCH/DELETE/HEAD/OPTIONS/Any/Handle/Match/Use, http.HandleFunc, http.Handle,
(*http.ServeMux).Handle and HandleFunc) that refers to such a variable
shares it with every other iteration, so after the loop all handlers see
its last value. The rule applies to files whose Go version (go.mod go line
or //go:build go1.N) is below 1.22; a shadow copy (v := v) or passing the
value to a factory that returns the handler is not reported. The suggested
fix inserts the shadow copy at the top of the loop body.`
