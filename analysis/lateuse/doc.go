// Package lateuse defines an Analyzer that reports middleware added to a gin
// router after routes were registered on it.
//
// # Analyzer lateuse
//
// lateuse: middleware added after routes were registered
//
// Gin copies a router's handler chain into each route (and each sub-group)
// when the route is registered: RouterGroup.handle and RouterGroup.Group
// call combineHandlers, which copies group.Handlers. A later Use appends to
// the router's chain, which only routes and groups registered afterwards
// see. Routes registered before the Use run without the middleware; when
// the middleware is the authentication check, they are open to everyone.
//
// Within one function body, in execution order, the analyzer records the
// routes registered on each router variable (*gin.Engine, *gin.RouterGroup,
// gin.IRouter, gin.IRoutes: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS,
// Any, Handle, Match, Static, StaticFile, StaticFS, StaticFileFS) and the
// groups created from it (Group), and reports a later Use on the same
// variable. Routes on public paths — health, healthz, ready, live, ping,
// metrics, static, assets, swagger, docs, favicon, robots as the first or
// last path segment — are registered early on purpose and are not enough
// for a report. Static files (Static, StaticFS, StaticFile, StaticFileFS)
// and login or callback routes (a login, logout, signin or callback
// segment, or one starting with oauth or oidc) are registered before CORS
// and response-header middleware on purpose: a late Use whose middleware
// all only set headers — named or packaged as cors, header(s), secure,
// security or helmet, or a same-package body that only sets headers — is
// not reported for them. Logging, recovery, limits and access control
// after them still are. A late middleware whose expression or package
// looks like access control (auth, jwt, token, session, permission, rbac,
// casbin, acl, login, csrf) is reported with severity error as a likely
// authentication bypass. No fix is suggested: moving code is a judgement
// call.
package lateuse

// Doc is the analyzer's documentation.
const Doc = `lateuse: middleware added after routes were registered

Gin copies a router's handler chain into each route and sub-group at
registration, so Use only affects routes and groups registered after it.
Reported: r.Use(...) on a *gin.Engine, *gin.RouterGroup, gin.IRouter or
gin.IRoutes after routes were registered on r (GET, POST, ..., Any, Handle,
Match, Static*) or groups created from it (Group) earlier in the same
function. Routes on public paths (health, healthz, ready, live, ping,
metrics, static, assets, swagger, docs, favicon, robots) alone are not
reported; static files and login/OAuth/OIDC callback routes are not
reported before CORS or header-only middleware (cors, header, secure,
helmet, or a body that only sets headers). A middleware that looks like access control (auth, jwt, token,
session, permission, rbac, casbin, acl, login, csrf) makes the finding an
error: a likely authentication bypass.`
