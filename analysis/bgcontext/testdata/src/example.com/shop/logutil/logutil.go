// Package logutil is a logging helper named like neither a logger nor a
// level: TraceContext is judged by its name and its package path.
package logutil

import (
	"context"
	"log/slog"
)

type key string

// Trace derives a context only to carry a value to the logger: no fact.
func Trace(msg string, args ...any) {
	TraceContext(context.WithValue(context.TODO(), key("skip"), 1), msg, args...)
}

func TraceContext(ctx context.Context, msg string, args ...any) {
	slog.Default().Log(ctx, slog.LevelDebug, msg, args...)
}
