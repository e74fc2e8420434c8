// Package slowclient measures how a server treats slow clients (the
// slowloris attack): it holds N connections to a service on this machine
// that send a request line and then one header byte every second, never
// finishing the headers, and records which of them the server closed and
// after how long. A server without http.Server.ReadHeaderTimeout holds them
// all for as long as they trickle, one goroutine and one descriptor each;
// guard.NewServer closes them after 5 s.
//
// It is the building block of `ginleak soak --slow-clients N`:
//
//	pool, err := slowclient.Start(ctx, "127.0.0.1:8080", 200)
//	...                       // the soak runs
//	res := pool.Stop()        // JSON: slow_clients
//	if f := res.Finding(); f != "" { /* exit 1 */ }
//
// Only loopback addresses are dialed (load.LoopbackOnly checks each
// address after resolution), and every connection is closed by Stop or
// when the context ends.
package slowclient
