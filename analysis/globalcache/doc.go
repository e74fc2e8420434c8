// Package globalcache defines an Analyzer that reports maps, sync.Maps and
// slices that grow from request handling and are never trimmed: package-level
// ones, and locals captured by a handler closure that is returned or
// registered.
//
// # Analyzer globalcache
//
// globalcache: package-level or handler-captured map or slice grows from request handling and is never trimmed
//
// A package-level variable lives as long as the process. When a gin or
// net/http handler (or a function of the same package that a handler calls,
// directly or transitively) adds entries to a package-level map
// (m[k] = v, m[k]++, maps.Copy(m, ...)), a sync.Map (Store, LoadOrStore,
// Swap) or a slice (s = append(s, ...)), and nothing in the package ever
// removes from it (delete, clear, maps.DeleteFunc, Delete, LoadAndDelete,
// CompareAndDelete, Clear, a reassignment or a reslicing), every request
// leaves memory behind that the garbage collector can never reclaim.
//
// A local variable captured by a closure lives as long as the closure. When a
// function returns a gin or net/http handler literal (directly, converted
// with http.HandlerFunc, through a named result or a local variable),
// registers it (router methods such as Use and GET, ServeMux.Handle,
// http.Handle, http.HandleFunc, http.ListenAndServe) or stores it for later
// (a package-level variable, a field such as http.Server's Handler, an
// element of a package-level or field map), the handler lives as long as the
// server, and so does every local of that function it captures. A captured
// local map, sync.Map or slice that starts out fresh (no value, make, a
// composite literal, nil, new, a clone), that the literal — or a closure
// held in a local variable of the same function that it calls — grows with
// the same writes, and that nothing in the function removes from, grows for
// the life of the server. Paths that leave the function (a call to another
// function, or to the same one again) reach a fresh instance of the local
// and do not count.
//
// The finding is reported at the variable's declaration and names the first
// growing write. When the write is to a plain map or slice and no mutex is
// locked before it in its function (nor on every call path leading to it
// from a handler), the finding also says that the write is a data race.
//
// Not reported: variables written only during package initialisation, in
// init or in main; variables with any removal path in the package; writes
// with a constant or bool key (m["hits"]++), whose growth is bounded; and
// variables that may be trimmed through an alias: their address is taken,
// they are passed to or are the receiver of a function or method of the
// same package, or they are copied into another variable. For captured
// locals: locals of a handler itself (they live for one request), locals of
// a function whose handler literal is neither returned, registered nor
// stored, locals grown only by a local helper closure that the same call
// runs (fresh on every call, even when a registered handler elsewhere calls
// the function), parameters and locals copied from another variable (the
// owner may trim them), and writes in the capturing function's own body.
package globalcache

// Doc is the analyzer's documentation.
const Doc = `globalcache: package-level or handler-captured map or slice grows from request handling and is never trimmed

A package-level map, sync.Map or slice lives as long as the process. When a
gin or net/http handler, or a function of the same package a handler calls,
adds to it (m[k] = v, m[k]++, Store, LoadOrStore, s = append(s, ...)) and the
package never removes from it (delete, clear, Delete, LoadAndDelete,
reassignment, reslicing), every request leaves memory behind that is never
reclaimed. The same holds for a local map, sync.Map or slice captured by a
handler literal that its function returns, registers or stores in a
package-level variable or a field (a middleware factory, a route registered
in main): the closure keeps the variable
reachable as long as the handler is registered, i.e. for the life of the
server. The finding is reported at the declaration and names the first
growing write; a write to a plain map or slice with no mutex locked before it
is also reported as a data race. Writes only in init, main or package
initialisation, writes with a constant key, locals of a handler itself, and
locals grown by a local helper closure the same call runs (fresh on every
call) are not reported.`
