package soak

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"
)

// The soak test binary doubles as the target of Config.Run: with
// GINLEAK_SOAK_HELPER set, TestMain runs a helper instead of the tests.
// Helpers end themselves after helperLifetime, so a bug in the stop never
// leaves one running for long.
const (
	helperEnv      = "GINLEAK_SOAK_HELPER"
	helperPortEnv  = "GINLEAK_SOAK_PORT"
	helperLifetime = 2 * time.Minute
)

// helperCommand is the --run command of a helper in mode listening on
// port (exec: the shell becomes the helper, so its pid is the group's).
func helperCommand(mode string, port int) string {
	exe, _ := os.Executable()
	return fmt.Sprintf("%s=%s %s=%d exec '%s'", helperEnv, mode, helperPortEnv, port, exe)
}

func runHelper(mode string) int {
	go func() {
		time.Sleep(helperLifetime)
		os.Exit(99)
	}()
	for i := range 30 {
		fmt.Fprintf(os.Stderr, "helper %s: log line %d\n", mode, i)
	}
	switch mode {
	case "exit":
		return 3
	case "sleep":
		time.Sleep(helperLifetime)
		return 0
	case "serve", "serve-then-exit":
		if mode == "serve-then-exit" {
			go func() {
				time.Sleep(2 * time.Second)
				fmt.Fprintln(os.Stderr, "helper: giving up now")
				os.Exit(4)
			}()
		}
		return helperServe()
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// helperServe serves pprof and two routes that call an upstream: /fdleak
// never closes the upstream's response body (a descriptor, and its
// connection's goroutines, per request), /fdfixed closes it.
func helperServe() int {
	upstream := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stock: 12")
	}), ReadHeaderTimeout: 5 * time.Second}
	uln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1
	}
	go upstream.Serve(uln)
	// No Client.Timeout: it would cancel each unread body after it and
	// close the leaked connection, so the leak would level off in a
	// test that runs longer than it on a slow machine. The header
	// timeout still bounds a stuck upstream.
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 5 * time.Second}}
	upURL := "http://" + uln.Addr().String() + "/"
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/fdleak", func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Get(upURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.WriteString(w, resp.Status) // the body is never read nor closed
	})
	mux.HandleFunc("/fdfixed", func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Get(upURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		io.WriteString(w, strings.ToUpper(string(b)))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv(helperPortEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.Serve(ln); err != nil {
		return 1
	}
	return 0
}
