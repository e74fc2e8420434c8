// Package zerolog is a stub of github.com/rs/zerolog for analyzer tests:
// the same package path, names and signatures, no logic.
package zerolog

import "io"

type Level int8

type Logger struct{}

func New(w io.Writer) Logger                            { return Logger{} }
func (l Logger) With() Context                          { return Context{} }
func (l *Logger) Info() *Event                          { return &Event{} }
func (l *Logger) Error() *Event                         { return &Event{} }
func (l *Logger) Debug() *Event                         { return &Event{} }
func (l Logger) Print(v ...interface{})                 {}
func (l Logger) Printf(format string, v ...interface{}) {}

type Event struct{}

func (e *Event) Str(key, val string) *Event                 { return e }
func (e *Event) Strs(key string, vals []string) *Event      { return e }
func (e *Event) Int(key string, i int) *Event               { return e }
func (e *Event) Bool(key string, b bool) *Event             { return e }
func (e *Event) Interface(key string, i interface{}) *Event { return e }
func (e *Event) Any(key string, i any) *Event               { return e }
func (e *Event) Bytes(key string, val []byte) *Event        { return e }
func (e *Event) Err(err error) *Event                       { return e }
func (e *Event) Msg(msg string)                             {}
func (e *Event) Msgf(format string, v ...interface{})       {}
func (e *Event) Send()                                      {}

type Context struct{}

func (c Context) Str(key, val string) Context { return c }
func (c Context) Logger() Logger              { return Logger{} }
