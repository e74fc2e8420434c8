package proc

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func mustMembers(t *testing.T, pgid int) []procStat {
	t.Helper()
	m, err := groupMembers(pgid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     procStat
		wantErr  bool
	}{
		{
			name: "plain",
			in:   "123 (api) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000000 2048 18446744073709551615",
			want: procStat{pid: 123, ppid: 1, pgrp: 123, comm: "api", state: 'S', utime: 250, stime: 50, threads: 9, rssPages: 2048},
		},
		{
			// A name may hold spaces and parentheses: fields count from the last ')'.
			name: "odd name",
			in:   "7 (a) b (c)) R 5 6 6 0 -1 0 0 0 0 0 1 2 0 0 20 0 3 0 1 1 10",
			want: procStat{pid: 7, ppid: 5, pgrp: 6, comm: "a) b (c)", state: 'R', utime: 1, stime: 2, threads: 3, rssPages: 10},
		},
		{name: "truncated", in: "7 (a) R 5 6", wantErr: true},
		{name: "no name", in: "7 a R 5 6 6 0 -1 0 0 0 0 0 1 2 0 0 20 0 3 0 1 1 10", wantErr: true},
		{name: "not a number", in: "7 (a) R x 6 6 0 -1 0 0 0 0 0 1 2 0 0 20 0 3 0 1 1 10", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.want.pid, []byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Errorf("parseStat(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseStat(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDeepest(t *testing.T) {
	tests := []struct {
		name    string
		members []procStat
		want    int
	}{
		{"exec: only sh's pid", []procStat{{pid: 10, ppid: 1}}, 10},
		{"go run chain", []procStat{{pid: 10, ppid: 1}, {pid: 11, ppid: 10, rssPages: 9000}, {pid: 12, ppid: 11, rssPages: 100}}, 12},
		{"siblings: larger RSS", []procStat{{pid: 10, ppid: 1}, {pid: 11, ppid: 10, rssPages: 1}, {pid: 12, ppid: 10, rssPages: 5}}, 12},
		{"sh gone: orphans", []procStat{{pid: 11, ppid: 1, rssPages: 1}, {pid: 12, ppid: 1, rssPages: 7}}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deepest(10, tt.members); got != tt.want {
				t.Errorf("deepest = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReadSampleSelf(t *testing.T) {
	s, err := ReadSample(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.PID != os.Getpid() || s.RSSBytes <= 0 || s.Threads <= 0 || s.FDs < 3 || s.Command == "" {
		t.Errorf("ReadSample(self) = %+v", s)
	}
	if _, err := ReadSample(0); err == nil {
		t.Error("ReadSample(0) gave no error")
	}
}

// The sampled process is the server, found by its listening port, also
// when it is a grandchild of the shell; its descriptors grow by what it
// opens.
func TestSampleFindsTheServerAndCountsFDs(t *testing.T) {
	for _, mode := range []string{"serve", "parent"} {
		t.Run(mode, func(t *testing.T) {
			p, port := startServe(t, mode, false)
			pid, err := p.TargetPID()
			if err != nil {
				t.Fatal(err)
			}
			st, err := readStat(pid)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "parent" && (pid == p.PID() || st.ppid == p.PID()) {
				t.Errorf("TargetPID = %d (parent %d), want the grandchild of sh %d", pid, st.ppid, p.PID())
			}
			if mode == "serve" && st.ppid != p.PID() {
				t.Errorf("TargetPID = %d (parent %d), want the child of sh %d", pid, st.ppid, p.PID())
			}
			before, err := p.Sample()
			if err != nil {
				t.Fatal(err)
			}
			const n = 40
			get(t, fmt.Sprintf("http://127.0.0.1:%d/open?n=%d", port, n))
			after, err := p.Sample()
			if err != nil {
				t.Fatal(err)
			}
			// The server may open or close a descriptor of its own meanwhile
			// (a connection): a margin of 4.
			if d := after.FDs - before.FDs; d < n-4 || d > n+4 {
				t.Errorf("descriptors grew by %d (%d → %d), want %d ± 4", d, before.FDs, after.FDs, n)
			}
			if after.PID != pid || after.RSSBytes <= 0 || after.Threads <= 0 || after.CPU < before.CPU {
				t.Errorf("samples %+v then %+v", before, after)
			}
		})
	}
}

func TestTargetPIDWithoutReadyURL(t *testing.T) {
	port := freePort(t)
	p, err := Start(t.Context(), helperCommand(t, "parent", port, false), WithEnv(helperEnvironment()))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// Without a port the rule is the deepest descendant: wait, bounded,
	// for the grandchild to exist.
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := httpClient.Get(url)
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the helper did not serve within 30s: %v", err)
		}
	}
	pid, err := p.TargetPID()
	if err != nil {
		t.Fatal(err)
	}
	st, err := readStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if pid == p.PID() || st.ppid == p.PID() {
		t.Errorf("TargetPID = %d (parent %d), want the grandchild of sh %d", pid, st.ppid, p.PID())
	}
}
