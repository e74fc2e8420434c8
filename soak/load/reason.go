package load

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// reason turns a transport error into a short, stable label for
// Result.ErrorReasons.
func reason(err error) string {
	var netErr net.Error
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, errBodyTooLarge):
		return errBodyTooLarge.Error()
	case errors.Is(err, errMalformed):
		return errMalformed.Error()
	case errors.Is(err, ErrNotLoopback):
		return "refused: not loopback (needs --allow-remote)"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "address not available"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by server"
	case errors.As(err, &dnsErr):
		return "dns: " + dnsErr.Err
	case errors.As(err, &certErr):
		return "tls certificate"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	msg := err.Error()
	// "dial tcp 127.0.0.1:8080: some cause" -> "some cause"
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return msg
}
