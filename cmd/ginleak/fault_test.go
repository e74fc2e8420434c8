package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/fault"
)

func TestFaultCommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-listen", "127.0.0.1:0"}, "no upstream"},
		{[]string{"-listen", "127.0.0.1:0", "-upstream", "203.0.113.5:80"}, "--allow-remote"},
		{[]string{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-reset", "120%"}, "outside"},
		{[]string{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-down", "10s"}, "FOR/EVERY"},
		{[]string{"-listen", "127.0.0.1:0", "-upstream", "127.0.0.1:1", "-duration", "-1s"}, "negative"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"fault"}, tt.args...), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}

	// A bounded run through a real upstream that never answers the proxy's
	// dial: the connection is counted and the final counts are JSON.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"fault", "-listen", "127.0.0.1:0", "-upstream", ln.Addr().String(),
			"-reset", "100%", "-duration", "1s", "-json", "-seed", "3"}, &out, &errb)
	}()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var s fault.Stats
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("final counts are not JSON: %v: %q", err, out.String())
	}
	if !strings.Contains(errb.String(), "(seed 3)") {
		t.Errorf("the seed is not printed: %s", errb.String())
	}
}
