// Package proc runs the service under test as a child of ginleak and reads
// its resources from the operating system. It is the building block of
// `ginleak soak --run CMD`:
//
//   - Start runs CMD through `sh -c` in a process group of its own, with
//     GODEBUG=memprofilerate=4096 merged into the environment (MergeGODEBUG),
//     its stdout and stderr in a log file, and waits until a readiness URL
//     answers.
//   - Stop ends the whole group, grandchildren included (`go run` starts the
//     compiled binary as its child): SIGTERM, then SIGKILL after a grace
//     period. It is idempotent and safe to call on every path.
//   - Exited and Err tell the caller that the command ended on its own, with
//     its exit status and the last lines of its log.
//   - Sample reads RSS, CPU time, threads and open file descriptors of the
//     service's process from /proc (Linux only; other systems get
//     ErrNotSupported).
//
// Which process is the service: the command is a chain (sh → go run → the
// binary, or just the binary when sh execs it), so Sample measures the
// process of the group that listens on the readiness URL's TCP port — the
// server itself, whatever started it. When no process of the group listens
// there (no readiness URL, or the service listens elsewhere), it measures the
// deepest descendant of the started process, the end of the chain.
package proc
