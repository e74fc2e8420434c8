// Package zap is a stub of go.uber.org/zap for analyzer tests: the same
// package path, names and signatures, no logic.
package zap

type Field struct {
	Key       string
	String    string
	Interface any
}

func String(key string, val string) Field                         { return Field{} }
func Strings(key string, ss []string) Field                       { return Field{} }
func ByteString(key string, val []byte) Field                     { return Field{} }
func Any(key string, value any) Field                             { return Field{} }
func Int(key string, val int) Field                               { return Field{} }
func Error(err error) Field                                       { return Field{} }
func Stringer(key string, val interface{ String() string }) Field { return Field{} }

type Logger struct{}

func NewNop() *Logger                               { return &Logger{} }
func NewProduction() (*Logger, error)               { return &Logger{}, nil }
func L() *Logger                                    { return &Logger{} }
func S() *SugaredLogger                             { return &SugaredLogger{} }
func (l *Logger) Debug(msg string, fields ...Field) {}
func (l *Logger) Info(msg string, fields ...Field)  {}
func (l *Logger) Warn(msg string, fields ...Field)  {}
func (l *Logger) Error(msg string, fields ...Field) {}
func (l *Logger) Fatal(msg string, fields ...Field) {}
func (l *Logger) With(fields ...Field) *Logger      { return l }
func (l *Logger) Sugar() *SugaredLogger             { return &SugaredLogger{} }
func (l *Logger) Sync() error                       { return nil }

type SugaredLogger struct{}

func (s *SugaredLogger) Info(args ...any)                        {}
func (s *SugaredLogger) Infof(template string, args ...any)      {}
func (s *SugaredLogger) Infow(msg string, keysAndValues ...any)  {}
func (s *SugaredLogger) Infoln(args ...any)                      {}
func (s *SugaredLogger) Errorw(msg string, keysAndValues ...any) {}
func (s *SugaredLogger) Debugf(template string, args ...any)     {}
func (s *SugaredLogger) With(args ...any) *SugaredLogger         { return s }
func (s *SugaredLogger) Desugar() *Logger                        { return &Logger{} }
