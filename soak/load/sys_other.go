//go:build !unix

package load

import "net"

// alive cannot peek here without blocking; a connection the server
// closed while idle is found when a request on it fails, and an
// idempotent request is then sent again.
func alive(net.Conn) bool { return true }

// pollReader is net.Conn's own Read here.
type pollReader struct{ net.Conn }

func newPollReader(net.Conn) *pollReader { return nil }

func (*pollReader) send([]byte) {}
