package proc

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the target: with GINLEAK_PROC_HELPER set,
// TestMain runs a helper instead of the tests. Helpers end themselves
// after helperLifetime, so a bug in Stop never leaves them running for
// long.
const (
	helperEnv      = "GINLEAK_PROC_HELPER"
	portEnv        = "GINLEAK_PROC_PORT"
	helperLifetime = 2 * time.Minute
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

func runHelper(mode string) int {
	go func() {
		time.Sleep(helperLifetime)
		os.Exit(99)
	}()
	fmt.Printf("helper %s pid=%d\n", mode, os.Getpid())
	switch mode {
	case "exit":
		for i := range 30 {
			fmt.Fprintf(os.Stderr, "line %d\n", i)
		}
		return 3
	case "sleep":
		time.Sleep(helperLifetime)
		return 0
	case "serve":
		return serve()
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		return serve()
	case "parent":
		// A grandchild of sh, as the binary of `go run` is.
		exe, _ := os.Executable()
		c := exec.Command(exe)
		c.Env = append(os.Environ(), helperEnv+"=serve")
		c.Stdout, c.Stderr = os.Stdout, os.Stderr
		if err := c.Run(); err != nil {
			fmt.Println("child:", err)
			return 1
		}
		return 0
	}
	fmt.Println("unknown helper mode", mode)
	return 2
}

// serve answers on 127.0.0.1:$GINLEAK_PROC_PORT: /open?n=N opens N more
// descriptors and keeps them, /env shows GODEBUG and the heap sampling
// rate it took effect as, /quit exits with status 4.
func serve() int {
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv(portEnv))
	if err != nil {
		fmt.Println("listen:", err)
		return 1
	}
	var held []*os.File
	mux := http.NewServeMux()
	mux.HandleFunc("/open", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		for range min(n, 1000) {
			f, err := os.Open(os.DevNull)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			held = append(held, f)
		}
		fmt.Fprintln(w, len(held))
	})
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %d", os.Getenv("GODEBUG"), runtime.MemProfileRate)
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("quitting")
		os.Exit(4)
	})
	fmt.Println("listening on", ln.Addr())
	return func() int {
		_ = http.Serve(ln, mux)
		return 1
	}()
}

// helperCommand is the shell command that runs the test binary as helper
// mode; exec makes the helper the started process itself.
func helperCommand(t *testing.T, mode string, port int, exec bool) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := fmt.Sprintf("%s=%s %s=%d ", helperEnv, mode, portEnv, port)
	if exec {
		cmd += "exec "
	}
	return cmd + shellQuote(exe)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// helperEnvironment is the environment of every helper: the test's own,
// without a GODEBUG that would change what the GODEBUG test sees.
func helperEnvironment(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") && !strings.HasPrefix(kv, helperEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// waitGroupGone waits, bounded, until kill(-pgid, 0) fails with ESRCH.
// Orphaned zombies are reaped by init, which may take a moment.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := syscall.Kill(-pgid, 0)
		if err == syscall.ESRCH {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still exists 15s after Stop (kill -0: %v)", pgid, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

var httpClient = http.Client{Timeout: 10 * time.Second}
