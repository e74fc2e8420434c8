package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Bounds on what is read from /proc.
const (
	maxStatBytes = 4 << 10
	// maxFDs bounds a descriptor count; the kernel's own limit
	// (fs.nr_open) defaults to 1,048,576.
	maxFDs = 1 << 24
	// clockTicks is USER_HZ, the unit of utime and stime in
	// /proc/PID/stat: 100 on every Linux architecture Go supports.
	clockTicks = 100
)

// procStat is the part of /proc/PID/stat this package reads.
type procStat struct {
	pid, ppid, pgrp int
	comm            string
	state           byte
	utime, stime    uint64 // clock ticks
	threads         int
	rssPages        int64
}

// readStat parses /proc/PID/stat. The command name is in parentheses and
// may itself hold spaces and parentheses, so fields are counted after the
// last ')'.
func readStat(pid int) (procStat, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	f, err := os.Open(path)
	if err != nil {
		return procStat{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStatBytes))
	if err != nil {
		return procStat{}, fmt.Errorf("read %s: %w", path, err)
	}
	return parseStat(pid, b)
}

func parseStat(pid int, b []byte) (procStat, error) {
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat: no command name in %q", pid, truncate(b))
	}
	st := procStat{pid: pid, comm: string(b[open+1 : closing])}
	// Fields from 3 (state) on, numbered as in proc(5).
	f := strings.Fields(string(b[closing+1:]))
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat: %d fields after the name, want at least 22", pid, len(f))
	}
	field := func(n int) string { return f[n-3] }
	st.state = field(3)[0]
	var errs []error
	num := func(n int) int64 {
		v, err := strconv.ParseInt(field(n), 10, 64)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	st.ppid = int(num(4))
	st.pgrp = int(num(5))
	st.utime = uint64(max(num(14), 0))
	st.stime = uint64(max(num(15), 0))
	st.threads = int(num(20))
	st.rssPages = max(num(24), 0)
	if err := errors.Join(errs...); err != nil {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
	}
	return st, nil
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// ReadSample reads pid's RSS, CPU time, threads and open descriptors from
// /proc. A process of another user has unreadable descriptors: the error
// says so.
func ReadSample(pid int) (Sample, error) {
	if pid <= 0 {
		return Sample{}, fmt.Errorf("read process %d: not a process id", pid)
	}
	st, err := readStat(pid)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Sample{}, fmt.Errorf("read process %d: it has exited", pid)
		}
		return Sample{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	fds, err := countFDs(pid)
	if err != nil {
		return Sample{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	return Sample{
		PID:      pid,
		Command:  st.comm,
		RSSBytes: st.rssPages * int64(os.Getpagesize()),
		CPU:      time.Duration(st.utime+st.stime) * (time.Second / clockTicks),
		Threads:  st.threads,
		FDs:      fds,
	}, nil
}

// countFDs counts the entries of /proc/PID/fd, in batches so a process
// with a million descriptors does not cost a million-name slice.
func countFDs(pid int) (int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	d, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return 0, fmt.Errorf("open %s: %w (the process belongs to another user; run ginleak as that user)", dir, err)
		}
		return 0, fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	n := 0
	for n < maxFDs {
		names, err := d.Readdirnames(1024)
		n += len(names)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", dir, err)
		}
	}
	return n, nil
}

// groupMembers returns the live (not zombie) processes of group pgid.
func groupMembers(pgid int) ([]procStat, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("open /proc: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	var out []procStat
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // exited meanwhile, or not readable
		}
		if st.pgrp == pgid && st.state != 'Z' && st.state != 'X' {
			out = append(out, st)
		}
	}
	return out, nil
}

// groupAlive reports whether group pgid has a process that is not a
// zombie. Zombies count as gone: their parent, or init, reaps them, and
// they hold no resources.
func groupAlive(pgid int) bool {
	if !killAlive(pgid) {
		return false
	}
	members, err := groupMembers(pgid)
	if err != nil {
		return true // cannot tell: kill says it is there
	}
	return len(members) > 0
}

// TargetPID returns the process of the group that Sample reads: the one
// listening on the readiness URL's port, or else the deepest descendant of
// the started shell (see the package documentation).
func (p *Process) TargetPID() (int, error) {
	members, err := groupMembers(p.pid)
	if err != nil {
		return 0, err
	}
	if len(members) == 0 {
		return 0, fmt.Errorf("the target command %q (pid %d) has no running process left", p.command, p.pid)
	}
	if p.port > 0 {
		if inodes, err := listenInodes(p.port); err == nil && len(inodes) > 0 {
			for _, m := range members {
				if holdsSocket(m.pid, inodes) {
					return m.pid, nil
				}
			}
		}
	}
	return deepest(p.pid, members), nil
}

// deepest returns the member furthest from root along parent links; ties
// go to the larger RSS, then the lower pid, so the choice is stable.
func deepest(root int, members []procStat) int {
	parent := map[int]int{}
	for _, m := range members {
		parent[m.pid] = m.ppid
	}
	depth := func(pid int) int {
		d := 0
		for pid != root && d <= len(members) {
			pp, ok := parent[pid]
			if !ok {
				return -1 // its chain leaves the group before reaching root
			}
			pid, d = pp, d+1
		}
		return d
	}
	best, bestDepth := members[0], -2
	for _, m := range members {
		d := depth(m.pid)
		if d > bestDepth || d == bestDepth && (m.rssPages > best.rssPages || m.rssPages == best.rssPages && m.pid < best.pid) {
			best, bestDepth = m, d
		}
	}
	return best.pid
}

// Sample reads the service's process (TargetPID) from /proc.
func (p *Process) Sample() (Sample, error) {
	pid, err := p.TargetPID()
	if err != nil {
		return Sample{}, fmt.Errorf("sample the target: %w", err)
	}
	return ReadSample(pid)
}

// listenInodes returns the socket inodes listening on TCP port, IPv4 and
// IPv6, from this network namespace's /proc/net/tcp{,6}.
func listenInodes(port int) (map[string]bool, error) {
	out := map[string]bool{}
	var errs []error
	for _, path := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := scanListen(path, port, out); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// scanListen adds to out the inodes of the sockets in state LISTEN (0A)
// whose local port is port. Lines look like
// "0: 0100007F:1F90 00000000:0000 0A ... uid timeout inode ...".
func scanListen(path string, port int, out map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	want := fmt.Sprintf(":%04X", port)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 || fs[3] != "0A" || !strings.HasSuffix(fs[1], want) {
			continue
		}
		out[fs[9]] = true
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// holdsSocket reports whether pid has a descriptor on one of the socket
// inodes.
func holdsSocket(pid int, inodes map[string]bool) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	d, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer d.Close()
	for seen := 0; seen < maxFDs; {
		names, err := d.Readdirnames(1024)
		for _, n := range names {
			link, lerr := os.Readlink(dir + "/" + n)
			if lerr != nil {
				continue
			}
			if ino, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
				return true
			}
		}
		seen += len(names)
		if err != nil {
			return false
		}
	}
	return false
}
