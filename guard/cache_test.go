package guard

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestCache(t *testing.T) {
	c, err := NewCache[string, int](100, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.Get("a"); ok {
		t.Error("empty cache hit")
	}
	c.Set("a", 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf("Get = %v, %v", v, ok)
	}
	c.Delete("a")
	if _, ok := c.Get("a"); ok {
		t.Error("deleted key still cached")
	}
	for i := range 1000 {
		c.Set(string(rune('a'+i%26))+string(rune(i)), i)
	}
	waitFor(t, func() bool { return c.Len() <= 100 })
	c.Close()
	c.Close() // idempotent
}

func TestCacheTTL(t *testing.T) {
	c, err := NewCache[int, string](10, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Set(1, "x")
	waitFor(t, func() bool { _, ok := c.Get(1); return !ok })
}

func TestCacheGetOrLoad(t *testing.T) {
	c, err := NewCache[string, string](10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var calls atomic.Int32
	gate := make(chan struct{})
	load := func(ctx context.Context, k string) (string, error) {
		calls.Add(1)
		<-gate
		return "v:" + k, nil
	}
	var wg sync.WaitGroup
	results := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.GetOrLoad(context.Background(), "k", load)
			if err != nil {
				t.Error(err)
			}
			results <- v
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(results)
	for v := range results {
		if v != "v:k" {
			t.Errorf("got %q", v)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("load called %d times, want 1", n)
	}
	boom := errors.New("db down")
	if _, err := c.GetOrLoad(context.Background(), "bad", func(context.Context, string) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v, want it wrapping the loader's", err)
	}
	if _, ok := c.Get("bad"); ok {
		t.Error("a failed load was cached")
	}
	if _, err := c.GetOrLoad(context.Background(), "x", nil); err == nil {
		t.Error("nil loader accepted")
	}
}

func TestNewCacheInvalid(t *testing.T) {
	if _, err := NewCache[int, int](0, time.Second); err == nil {
		t.Error("size 0 accepted")
	}
	if _, err := NewCache[int, int](1, 0); err == nil {
		t.Error("ttl 0 accepted")
	}
}

// TestCacheCloseStopsGoroutine checks what Cache's documentation says:
// otter runs a clean-up goroutine for a cache with expiration, and Close
// stops it.
func TestCacheCloseStopsGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	c, err := NewCache[string, string](10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.Set("k", "v")
	waitFor(t, func() bool {
		buf := make([]byte, 1<<20)
		return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "otter/v2.periodicCleanUp")
	})
	c.Close()
	goleak.VerifyNone(t, before)
}
