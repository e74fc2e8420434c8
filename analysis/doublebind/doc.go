// Package doublebind defines an Analyzer that reports a request body read
// twice on one path through a handler.
//
// # Analyzer doublebind
//
// doublebind: the request body is read twice; the second read sees an empty body
//
// An http.Request body is a stream that can be read once. Gin's binds
// (c.ShouldBind, c.ShouldBindJSON, c.BindXML, c.ShouldBindWith with a body
// binding, ...) and c.GetRawData read it directly, as do io.ReadAll,
// io.Copy and json.NewDecoder on c.Request.Body or r.Body. When two such
// reads of the same request can run one after the other, the second gets
// an empty body: a bind fails with EOF, a raw read gets no bytes.
//
// A read is reported when, in the control-flow graph of the function, an
// earlier conflicting read of the same request reaches it without passing
// an assignment that puts a body back (c.Request.Body = ..., r.Body = ...,
// or a new request). Reads in mutually exclusive branches, or after a
// return on every path, are not reported. Two c.ShouldBindBodyWith calls
// do not conflict (the body is cached in the context), nor do two form
// bindings (net/http keeps the parsed form); a form binding and a decoding
// binding do not conflict either, as only one of them matches the request's
// content type. A read inside a loop that reaches itself on the next
// iteration is reported too.
//
// When both reads are c.ShouldBind<Kind> calls with a body binding (JSON,
// XML, YAML, TOML, Plain, ProtoBuf, MsgPack) or c.ShouldBindWith with a
// binding.BindingBody, or the first one is already c.ShouldBindBodyWith,
// the suggested fix rewrites them to c.ShouldBindBodyWith(&v,
// binding.<Kind>), adding the binding import if missing.
package doublebind

// Doc is the analyzer's documentation.
const Doc = `doublebind: the request body is read twice; the second read sees an empty body

An http.Request body is a stream that can be read once. Gin's binds
(ShouldBind, ShouldBindJSON/XML/YAML/TOML/Plain, Bind, BindJSON/XML/YAML/TOML,
ShouldBindWith and MustBindWith with a body or form binding), c.GetRawData,
and io.ReadAll, io.Copy or json/xml.NewDecoder on the request body all
consume it. When one such read can follow another of the same request in a
handler, with no assignment restoring the body in between, the second sees
an empty body (EOF). Reads in mutually exclusive branches are not reported;
neither are repeated c.ShouldBindBodyWith calls, which cache the body.
Bind once, or use c.ShouldBindBodyWith(&v, binding.JSON) for every bind.`
