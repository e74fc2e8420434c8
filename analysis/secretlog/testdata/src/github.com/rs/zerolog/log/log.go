// Package log is a stub of github.com/rs/zerolog/log for analyzer tests.
package log

import "github.com/rs/zerolog"

var Logger zerolog.Logger

func Info() *zerolog.Event                   { return Logger.Info() }
func Error() *zerolog.Event                  { return Logger.Error() }
func Debug() *zerolog.Event                  { return Logger.Debug() }
func Print(v ...interface{})                 {}
func Printf(format string, v ...interface{}) {}
