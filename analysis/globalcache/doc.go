// Package globalcache defines an Analyzer that reports package-level maps,
// sync.Maps and slices that grow from request handling and are never
// trimmed.
//
// # Analyzer globalcache
//
// globalcache: package-level map or slice grows from request handling and is never trimmed
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
// same package, or they are copied into another variable.
package globalcache

// Doc is the analyzer's documentation.
const Doc = `globalcache: package-level map or slice grows from request handling and is never trimmed

A package-level map, sync.Map or slice lives as long as the process. When a
gin or net/http handler, or a function of the same package a handler calls,
adds to it (m[k] = v, m[k]++, Store, LoadOrStore, s = append(s, ...)) and the
package never removes from it (delete, clear, Delete, LoadAndDelete,
reassignment, reslicing), every request leaves memory behind that is never
reclaimed. The finding is reported at the declaration and names the first
growing write; a write to a plain map or slice with no mutex locked before it
is also reported as a data race. Writes only in init, main or package
initialisation, and writes with a constant key, are not reported.`
