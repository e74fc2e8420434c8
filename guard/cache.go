package guard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/maypok86/otter/v2"
)

// Cache is a bounded cache with a time to live for handlers, a thin typed
// wrapper around github.com/maypok86/otter/v2: at most size entries (the
// least valuable are evicted, by otter's W-TinyLFU policy), each removed
// ttl after it was written. It is safe for concurrent use.
//
// otter runs one goroutine per cache that has expiration, which cleans up
// expired entries periodically; it also stops by itself some time after
// the cache becomes unreachable. Close stops it at once: call it when the
// cache's owner shuts down, and in tests that check for leaked goroutines
// (go.uber.org/goleak).
type Cache[K comparable, V any] struct {
	c *otter.Cache[K, V]
}

// NewCache returns a cache of at most size entries that expire ttl after
// they were written. Both must be positive.
func NewCache[K comparable, V any](size int, ttl time.Duration) (*Cache[K, V], error) {
	if size <= 0 {
		return nil, fmt.Errorf("guard: NewCache: size %d: want a positive number of entries", size)
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("guard: NewCache: ttl %v: want a positive duration", ttl)
	}
	c, err := otter.New(&otter.Options[K, V]{
		MaximumSize:      size,
		ExpiryCalculator: otter.ExpiryWriting[K, V](ttl),
		Logger:           &otter.NoopLogger{},
	})
	if err != nil {
		return nil, fmt.Errorf("guard: NewCache: %w", err)
	}
	return &Cache[K, V]{c: c}, nil
}

// Get returns the value cached for key and whether there is one.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	return c.c.GetIfPresent(key)
}

// Set caches value for key, replacing any previous value and restarting
// its time to live.
func (c *Cache[K, V]) Set(key K, value V) {
	c.c.Set(key, value)
}

// Delete removes key from the cache.
func (c *Cache[K, V]) Delete(key K) {
	c.c.Invalidate(key)
}

// Len returns the approximate number of entries.
func (c *Cache[K, V]) Len() int {
	return c.c.EstimatedSize()
}

// GetOrLoad returns the value cached for key, or calls load, caches its
// result and returns it. Concurrent calls for the same key wait for one
// load instead of each calling load. An error of load is returned wrapped
// and nothing is cached; a nil load is an error.
func (c *Cache[K, V]) GetOrLoad(ctx context.Context, key K, load func(ctx context.Context, key K) (V, error)) (V, error) {
	if load == nil {
		var zero V
		return zero, errors.New("guard: Cache.GetOrLoad: nil load function")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	v, err := c.c.Get(ctx, key, otter.LoaderFunc[K, V](load))
	if err != nil {
		return v, fmt.Errorf("guard: Cache.GetOrLoad: %w", err)
	}
	return v, nil
}

// Close stops the cache's clean-up goroutine. The cache still works
// afterwards, without the periodic clean-up (expired entries are still
// never returned). Close is idempotent.
func (c *Cache[K, V]) Close() {
	c.c.StopAllGoroutines()
}
