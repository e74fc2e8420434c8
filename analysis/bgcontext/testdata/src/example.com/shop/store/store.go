// Package store is a data layer with no handlers: its exported functions
// that do background work carry a fact for the packages calling them.
package store

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"example.com/shop/logger"
)

type Store struct{ db *sql.DB }

type Settings struct{ Name string }

// Settings loads the settings with a context nobody cancels.
func (s *Store) Settings() (Settings, error) { // want Settings:`bgwork\(context\.Background\(\) to s\.db\.QueryRowContext in store\.Store\.Settings at store\.go:21\)`
	var out Settings
	err := s.db.QueryRowContext(context.Background(), "SELECT name FROM settings").Scan(&out.Name)
	return out, err
}

// Get reaches the background context through an unexported helper.
func Get(s *Store, key string) string { // want Get:`bgwork\(context\.TODO\(\) to s\.db\.ExecContext in store\.get at store\.go:31\)`
	return get(s, key)
}

func get(s *Store, key string) string {
	ctx := context.TODO()
	_, _ = s.db.ExecContext(ctx, "SELECT ?", key)
	return key
}

// Chained is a function of another package that calls Get: it inherits
// the fact of Get (see api).
func Chained(s *Store) string { return Get(s, "chained") } // want Chained:`bgwork\(context\.TODO\(\) to s\.db\.ExecContext in store\.get at store\.go:31\)`

// WithCtx is given a context but uses Background anyway.
func (s *Store) WithCtx(ctx context.Context) error { // want WithCtx:`bgwork\(context\.Background\(\) to s\.db\.ExecContext in store\.Store\.WithCtx at store\.go:43\)`
	_ = ctx
	_, err := s.db.ExecContext(context.Background(), "UPDATE t SET n = n + 1")
	return err
}

// Negative: no fact.

// Logged only hands the context to loggers.
func Logged(msg string) {
	ctx := context.Background()
	logger.Debugf(ctx, "msg %s", msg)
	logger.Info(context.Background(), msg)
	slog.InfoContext(context.Background(), msg)
	slog.Default().WarnContext(ctx, msg)
}

// Bounded has a deadline of its own.
func (s *Store) Bounded() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := s.db.ExecContext(ctx, "SELECT 1")
	return err
}

// Detached starts work meant to outlive the caller.
func (s *Store) Detached() {
	go func() { _, _ = s.db.ExecContext(context.Background(), "VACUUM") }()
}

// Given takes the caller's context.
func (s *Store) Given(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, "SELECT 1")
	return err
}

// unexported functions carry no fact: other packages cannot call them.
func unexported(s *Store) {
	_, _ = s.db.ExecContext(context.Background(), "SELECT 1")
}

var _ = unexported
