// Package logger is an application's own logging wrapper: the context only
// carries a request ID to the log line.
package logger

import "context"

func Debugf(ctx context.Context, format string, args ...any) {}

func Info(ctx context.Context, msg string) {}
