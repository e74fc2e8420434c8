package race

import (
	"sync"

	"github.com/gin-gonic/gin"
)

var (
	mu   sync.Mutex
	rwmu sync.RWMutex
	lk   sync.Locker = &sync.Mutex{}
)

// Locked by the caller on every path: no race.
var underCaller = map[string]int{} // want `package-level map underCaller grows on every request \(written at race\.go:19 in put, reached from handler Locked\)[^;]*$`

func put(k string) {
	underCaller[k] = 1
}

func Locked(c *gin.Context) {
	mu.Lock()
	put(c.Query("k"))
	mu.Unlock()
}

// One path locks, the other does not: a race.
var mixed = map[string]int{} // want `package-level map mixed grows .*written at race\.go:32 in set, .*; the write is also a data race: no mutex is held$`

func set(k string) {
	mixed[k] = 1
}

func SafeSet(c *gin.Context) {
	mu.Lock()
	defer mu.Unlock()
	set(c.Query("k"))
}

func UnsafeSet(c *gin.Context) { set(c.Query("k")) }

// RLock counts as holding a mutex (documented approximation).
var underRead = map[string]int{} // want `package-level map underRead grows .*written at race\.go:48 in handler ReadLocked\)[^;]*$`

func ReadLocked(c *gin.Context) {
	rwmu.RLock()
	underRead[c.Query("k")] = 1
	rwmu.RUnlock()
}

// A sync.Locker counts too.
var underLocker []string // want `package-level slice underLocker grows .*appended at race\.go:57 in handler LockerLocked\)[^;]*$`

func LockerLocked(c *gin.Context) {
	lk.Lock()
	underLocker = append(underLocker, c.Query("k"))
	lk.Unlock()
}

// The lock comes after the write.
var lateLock = map[string]int{} // want `package-level map lateLock grows .*written at race\.go:65 in handler Late\).*; the write is also a data race: no mutex is held$`

func Late(c *gin.Context) {
	lateLock[c.Query("k")] = 1
	mu.Lock()
	mu.Unlock()
}

// The first write is locked, a later one is not: both are named.
var twoWrites = map[string]int{} // want `written at race\.go:75 in handler Two\).*; the write at race\.go:77 is also a data race: no mutex is held$`

func Two(c *gin.Context) {
	mu.Lock()
	twoWrites[c.Query("a")] = 1
	mu.Unlock()
	go func() { twoWrites[c.Query("b")] = 2 }()
}

// A synchronous closure runs under the enclosing lock.
var inClosure = map[string]int{} // want `package-level map inClosure grows .*written at race\.go:86 in handler Closure\)[^;]*$`

func Closure(c *gin.Context) {
	mu.Lock()
	defer mu.Unlock()
	func() { inClosure[c.Query("k")] = 1 }()
}

// sync.Map is never a race.
var sm sync.Map // want `package-level sync\.Map sm grows .*stored at race\.go:92 in handler SM\)[^;]*$`

func SM(c *gin.Context) { sm.Store(c.Query("k"), 1) }

// A function started with go does not run under the caller's lock.
var async = map[string]int{} // want `package-level map async grows .*written at race\.go:97 in asyncPut, reached from handler GoLocked\).*; the write is also a data race: no mutex is held$`

func asyncPut(k string) { async[k] = 1 }

func GoLocked(c *gin.Context) {
	mu.Lock()
	defer mu.Unlock()
	go asyncPut(c.Query("k"))
}
