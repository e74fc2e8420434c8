package guard

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/v2"
)

// Config holds every guard setting of one service, for one environment. Load
// it with LoadConfig; each building block takes its part through one call
// (cfg.NewServer, cfg.BodyLimit, cfg.AccessLog, cfg.MountPprof,
// cfg.NewAsync, cfg.NewClient, CacheFromConfig).
type Config struct {
	// Env is the environment the configuration was loaded for.
	Env string `koanf:"-" json:"env"`

	Server   ServerSettings `koanf:"server" json:"server"`
	Body     BodySettings   `koanf:"body" json:"body"`
	Log      LogSettings    `koanf:"log" json:"log"`
	Pprof    PprofSettings  `koanf:"pprof" json:"pprof"`
	Cache    CacheSettings  `koanf:"cache" json:"cache"`
	Async    AsyncSettings  `koanf:"async" json:"async"`
	Outbound ClientSettings `koanf:"outbound" json:"outbound"`

	// sources maps each key to where its value came from.
	sources map[string]string
}

// ServerSettings are the http.Server's bounds and the shutdown's.
type ServerSettings struct {
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout" json:"read_header_timeout"`
	ReadTimeout       time.Duration `koanf:"read_timeout" json:"read_timeout"`
	WriteTimeout      time.Duration `koanf:"write_timeout" json:"write_timeout"`
	IdleTimeout       time.Duration `koanf:"idle_timeout" json:"idle_timeout"`
	MaxHeaderBytes    int           `koanf:"max_header_bytes" json:"max_header_bytes"`
	DrainTimeout      time.Duration `koanf:"drain_timeout" json:"drain_timeout"`
	// ShutdownDelay is how long Serve keeps serving (readiness failing,
	// Connection: close) after the stop signal; see WithShutdownDelay.
	ShutdownDelay time.Duration `koanf:"shutdown_delay" json:"shutdown_delay"`
}

// BodySettings bound request bodies: Limit bytes, 0 for none.
type BodySettings struct {
	Limit int64 `koanf:"limit" json:"limit"`
}

// LogSettings: Level is debug, info, warn or error.
type LogSettings struct {
	Level string `koanf:"level" json:"level"`
}

// PprofSettings: the profiling endpoints, behind a bearer token.
type PprofSettings struct {
	Enabled bool   `koanf:"enabled" json:"enabled"`
	Token   Secret `koanf:"token" secret:"true" json:"token"`
}

// CacheSettings size the bounded TTL cache.
type CacheSettings struct {
	Size int           `koanf:"size" json:"size"`
	TTL  time.Duration `koanf:"ttl" json:"ttl"`
}

// AsyncSettings bound guard.Go work.
type AsyncSettings struct {
	Limit   int           `koanf:"limit" json:"limit"`
	Timeout time.Duration `koanf:"timeout" json:"timeout"`
}

// Secret is a configuration value that never reaches a log, a %v or a JSON
// document: every rendering prints a mask. Reveal returns the value.
type Secret string

const secretMask = "******"

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return secretMask
}

// String masks the secret.
func (s Secret) String() string { return s.masked() }

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.masked()) }

// Format masks the secret for every verb, %d and %x included.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.masked()) }

// MarshalText masks the secret in JSON, YAML and text encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.masked()), nil }

// LogValue masks the secret in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.masked()) }

// Environment profiles built in: each sets what differs from the defaults.
// Profiles given with WithProfile add to or replace them.
var builtinProfiles = map[string]map[string]any{
	"prod": {
		"log.level": "info", "pprof.enabled": false,
		"outbound.max_conns_per_host": 100, "async.limit": 1024,
	},
	"staging": {
		"log.level": "debug", "pprof.enabled": true,
		"outbound.max_conns_per_host": 50, "async.limit": 512,
	},
	"test": {
		"log.level": "debug", "pprof.enabled": true,
		"outbound.max_conns_per_host": 20, "async.limit": 128,
		"server.drain_timeout": "2s", "server.shutdown_delay": "0s",
	},
}

// Defaults of LoadConfig.
const (
	DefaultEnvVar    = "APP_ENV"
	DefaultEnvPrefix = "GINLEAK_"
	// maxConfigFile bounds the configuration file and secret files read.
	maxConfigFile = 1 << 20
)

// ConfigOption configures LoadConfig.
type ConfigOption func(*loader)

type loader struct {
	env       string
	envVar    string
	prefix    string
	file      string
	profiles  map[string]map[string]any
	strict    []string
	lookupEnv func(string) (string, bool)
	environ   func() []string
}

// WithEnvironment names the environment instead of reading it from the
// environment variable.
func WithEnvironment(name string) ConfigOption { return func(l *loader) { l.env = name } }

// WithEnvVar names the variable holding the environment (default APP_ENV).
func WithEnvVar(name string) ConfigOption { return func(l *loader) { l.envVar = name } }

// WithEnvPrefix sets the prefix of override variables (default GINLEAK_):
// GINLEAK_SERVER_READ_HEADER_TIMEOUT=5s sets server.read_header_timeout.
func WithEnvPrefix(prefix string) ConfigOption { return func(l *loader) { l.prefix = prefix } }

// WithConfigFile loads a YAML (.yaml, .yml) or TOML (.toml) file over the
// profile. A secret in it is refused: secrets come from the environment.
func WithConfigFile(path string) ConfigOption { return func(l *loader) { l.file = path } }

// WithProfile adds or replaces the profile of an environment: keys as in
// the file ("server.read_timeout"), values as the file would hold them.
func WithProfile(env string, values map[string]any) ConfigOption {
	return func(l *loader) { l.profiles[env] = values }
}

// WithStrictEnvironments makes more environments refuse unsafe values as
// prod does.
func WithStrictEnvironments(envs ...string) ConfigOption {
	return func(l *loader) { l.strict = append(l.strict, envs...) }
}

// WithLookupEnv reads the environment through lookup and environ instead of
// the process's (for tests and for embedding).
func WithLookupEnv(lookup func(string) (string, bool), environ func() []string) ConfigOption {
	return func(l *loader) { l.lookupEnv, l.environ = lookup, environ }
}

// DefaultConfig returns the defaults, before any environment.
func DefaultConfig() *Config {
	return &Config{
		Server: ServerSettings{
			ReadHeaderTimeout: DefaultReadHeaderTimeout, ReadTimeout: DefaultReadTimeout,
			WriteTimeout: DefaultWriteTimeout, IdleTimeout: DefaultIdleTimeout,
			MaxHeaderBytes: DefaultMaxHeaderBytes, DrainTimeout: DefaultDrainTimeout,
			ShutdownDelay: DefaultShutdownDelay,
		},
		Body:  BodySettings{Limit: 1 << 20},
		Log:   LogSettings{Level: "info"},
		Cache: CacheSettings{Size: 10000, TTL: 10 * time.Minute},
		Async: AsyncSettings{Limit: DefaultAsyncLimit, Timeout: DefaultAsyncTimeout},
		Outbound: ClientSettings{
			DialTimeout: DefaultClientDialTimeout, TLSHandshakeTimeout: DefaultClientTLSHandshakeTimeout,
			ResponseHeaderTimeout: DefaultClientResponseHeaderTimeout, IdleConnTimeout: DefaultClientIdleConnTimeout,
			Timeout: DefaultClientTimeout, MaxConnsPerHost: DefaultClientMaxConnsPerHost,
			Breaker: BreakerSettings{
				ConsecutiveFailures: DefaultBreakerConsecutiveFailures, FailureRatio: DefaultBreakerFailureRatio,
				MinRequests: DefaultBreakerMinRequests, Interval: DefaultBreakerInterval, OpenTimeout: DefaultBreakerOpenTimeout,
			},
		},
	}
}

// LoadConfig loads the configuration: defaults, then the environment's
// profile, then the file (WithConfigFile), then environment variables
// (GINLEAK_SECTION_KEY=value; a secret also as GINLEAK_SECTION_KEY_FILE=path,
// the Docker and Kubernetes secrets convention). The environment comes from
// APP_ENV (WithEnvVar, WithEnvironment); an unknown or missing environment
// is an error, never a silent default. prod refuses unsafe values.
func LoadConfig(opts ...ConfigOption) (*Config, error) {
	l := &loader{envVar: DefaultEnvVar, prefix: DefaultEnvPrefix, profiles: map[string]map[string]any{}, strict: []string{"prod"},
		lookupEnv: os.LookupEnv, environ: os.Environ}
	for name, p := range builtinProfiles {
		l.profiles[name] = p
	}
	for _, opt := range opts {
		opt(l)
	}
	return l.load()
}

func (l *loader) load() (*Config, error) {
	env, from := l.env, "given with WithEnvironment"
	if env == "" {
		env, _ = l.lookupEnv(l.envVar)
		from = "from " + l.envVar
	}
	known := slices.Sorted(func(yield func(string) bool) {
		for k := range l.profiles {
			if !yield(k) {
				return
			}
		}
	})
	profile, ok := l.profiles[env]
	switch {
	case env == "":
		return nil, fmt.Errorf("guard: no environment: set %s to one of %s", l.envVar, strings.Join(known, ", "))
	case !ok:
		return nil, fmt.Errorf("guard: unknown environment %q (%s): want one of %s, or add it with WithProfile", env, from, strings.Join(known, ", "))
	}

	defaults := flatten(DefaultConfig())
	secrets := secretKeys()
	k := koanf.New(".")
	sources := map[string]string{}
	layer := func(source string, values map[string]any) error {
		for key := range values {
			if _, ok := defaults[key]; !ok {
				return fmt.Errorf("guard: %s: unknown key %q (known: %s)", source, key, strings.Join(slices.Sorted(mapKeys(defaults)), ", "))
			}
		}
		if err := k.Load(confmap.Provider(values, "."), nil); err != nil {
			return fmt.Errorf("guard: %s: %w", source, err)
		}
		var probe Config
		if err := k.UnmarshalWithConf("", &probe, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
			return fmt.Errorf("guard: %s: %w", source, err)
		}
		for key := range values {
			sources[key] = source
		}
		return nil
	}
	if err := layer("default", defaults); err != nil {
		return nil, err
	}
	if err := layer("profile "+env, flattenMap(profile)); err != nil {
		return nil, err
	}
	if l.file != "" {
		values, err := readConfigFile(l.file)
		if err != nil {
			return nil, err
		}
		for key := range values {
			if secrets[key] {
				envName := l.prefix + envSuffix(key)
				return nil, fmt.Errorf("guard: %s: %q is a secret and is not read from a file: set %s or %s_FILE", l.file, key, envName, envName)
			}
		}
		if err := layer("file "+filepath.Base(l.file), values); err != nil {
			return nil, err
		}
	}
	fromEnv, names, err := l.envValues(defaults, secrets)
	if err != nil {
		return nil, err
	}
	for key, v := range fromEnv {
		if err := layer("env "+names[key], map[string]any{key: v}); err != nil {
			return nil, err
		}
	}
	cfg := &Config{}
	if err := k.UnmarshalWithConf("", cfg, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return nil, fmt.Errorf("guard: config: %w", err)
	}
	cfg.Env, cfg.sources = env, sources
	if err := cfg.validate(slices.Contains(l.strict, env)); err != nil {
		return nil, err
	}
	return cfg, nil
}

// envValues reads PREFIX_SECTION_KEY variables (and _FILE for secrets).
// A prefixed variable that names no key is an error: a typo must not pass
// silently.
func (l *loader) envValues(defaults map[string]any, secrets map[string]bool) (values map[string]any, names map[string]string, err error) {
	values, names = map[string]any{}, map[string]string{}
	byEnv := map[string]string{}
	sections := map[string]bool{}
	for key := range defaults {
		byEnv[l.prefix+envSuffix(key)] = key
		sections[envSuffix(strings.SplitN(key, ".", 2)[0])] = true
	}
	for _, kv := range l.environ() {
		name, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, l.prefix) || name == l.envVar {
			continue
		}
		key, ok := byEnv[name]
		fileName, isFile := strings.CutSuffix(name, "_FILE")
		if !ok && isFile {
			if key, ok = byEnv[fileName]; ok && !secrets[key] {
				return nil, nil, fmt.Errorf("guard: %s: only secrets are read from files; set %s directly", name, fileName)
			}
		}
		if !ok {
			// Other tools share the prefix (GINLEAK_SCREENSHOT_DIR): only a
			// variable that names a section of the configuration is a typo.
			if !sections[strings.SplitN(strings.TrimPrefix(name, l.prefix), "_", 2)[0]] {
				continue
			}
			return nil, nil, fmt.Errorf("guard: %s names no setting (keys: %s)", name, strings.Join(slices.Sorted(mapKeys(byEnv)), ", "))
		}
		if prev, dup := names[key]; dup {
			return nil, nil, fmt.Errorf("guard: both %s and %s set %s: keep one", prev, name, key)
		}
		if isFile && ok && secrets[key] && name != l.prefix+envSuffix(key) {
			data, err := readBounded(v)
			if err != nil {
				return nil, nil, fmt.Errorf("guard: %s: %w", name, err)
			}
			v = strings.TrimRight(string(data), "\r\n")
		}
		values[key], names[key] = v, name
	}
	return values, names, nil
}

func envSuffix(key string) string {
	return strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func readConfigFile(path string) (map[string]any, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, fmt.Errorf("guard: config file: %w", err)
	}
	var parsed map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		parsed, err = yaml.Parser().Unmarshal(data)
	case ".toml":
		parsed, err = toml.Parser().Unmarshal(data)
	default:
		return nil, fmt.Errorf("guard: config file %s: unknown format %q (want .yaml, .yml or .toml)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("guard: config file %s: %w", path, err)
	}
	return flattenMap(parsed), nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxConfigFile)
	}
	return data, nil
}

// validate checks the values; strict environments also refuse the unsafe
// ones, each with its own message.
func (c *Config) validate(strict bool) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("guard: "+format, a...)) }
	for key, v := range flatten(c) {
		switch x := v.(type) {
		case time.Duration:
			if x < 0 {
				bad("%s %v must not be negative", key, x)
			}
		case int:
			if x < 0 {
				bad("%s %d must not be negative", key, x)
			}
		case int64:
			if x < 0 {
				bad("%s %d must not be negative", key, x)
			}
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if c.Cache.Size == 0 || c.Cache.TTL == 0 {
		bad("cache.size and cache.ttl must be positive (a cache without bounds is the leak guard prevents)")
	}
	if _, err := c.Outbound.withDefaults(); err != nil {
		errs = append(errs, err)
	}
	if c.Pprof.Token != "" {
		if err := checkToken(c.Pprof.Token.Reveal()); err != nil {
			bad("pprof.token: %v", err)
		}
	}
	if strict {
		why := fmt.Sprintf("(refused in %s)", c.Env)
		if c.Log.Level == "debug" {
			bad("log.level debug %s: debug logs carry request data; use info", why)
		}
		if c.Pprof.Enabled && c.Pprof.Token == "" {
			bad("pprof.enabled without pprof.token %s: set %s", why, DefaultEnvPrefix+"PPROF_TOKEN_FILE")
		}
		if c.Server.ReadHeaderTimeout == 0 {
			bad("server.read_header_timeout 0 %s: slow clients would hold connections forever", why)
		}
		if c.Body.Limit == 0 {
			bad("body.limit 0 %s: one large request could exhaust memory", why)
		}
	}
	return errors.Join(errs...)
}

// Explain writes every effective value with where it came from (default,
// profile, file or env variable), secrets masked.
func (c *Config) Explain(w io.Writer) error {
	values := flatten(c)
	keys := slices.Sorted(mapKeys(values))
	width := 0
	for _, k := range keys {
		width = max(width, len(k))
	}
	if _, err := fmt.Fprintf(w, "environment: %s\n", c.Env); err != nil {
		return err
	}
	for _, k := range keys {
		src := c.sources[k]
		if src == "" {
			src = "set in code"
		}
		if _, err := fmt.Fprintf(w, "%-*s  %-12s  (%s)\n", width, k, fmt.Sprint(values[k]), src); err != nil {
			return err
		}
	}
	return nil
}

// String renders the configuration on one line, secrets masked.
func (c *Config) String() string {
	values := flatten(c)
	var parts []string
	for _, k := range slices.Sorted(mapKeys(values)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, values[k]))
	}
	return "guard.Config{env=" + c.Env + " " + strings.Join(parts, " ") + "}"
}

// LogValue renders the configuration for slog, secrets masked.
func (c *Config) LogValue() slog.Value {
	values := flatten(c)
	attrs := []slog.Attr{slog.String("env", c.Env)}
	for _, k := range slices.Sorted(mapKeys(values)) {
		attrs = append(attrs, slog.Any(k, values[k]))
	}
	return slog.GroupValue(attrs...)
}

// flatten maps every koanf key of a Config to its value.
func flatten(c *Config) map[string]any {
	out := map[string]any{}
	walk(reflect.ValueOf(c).Elem(), "", func(key string, v reflect.Value, _ reflect.StructField) {
		out[key] = v.Interface()
	})
	return out
}

// secretKeys are the keys tagged secret:"true".
func secretKeys() map[string]bool {
	out := map[string]bool{}
	walk(reflect.ValueOf(DefaultConfig()).Elem(), "", func(key string, _ reflect.Value, f reflect.StructField) {
		if f.Tag.Get("secret") == "true" {
			out[key] = true
		}
	})
	return out
}

func walk(v reflect.Value, prefix string, leaf func(string, reflect.Value, reflect.StructField)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if !f.IsExported() || tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			walk(fv, key, leaf)
			continue
		}
		leaf(key, fv, f)
	}
}

// flattenMap turns nested maps (as parsed from YAML or TOML) into dotted
// keys.
func flattenMap(m map[string]any) map[string]any {
	out := map[string]any{}
	var rec func(string, map[string]any)
	rec = func(prefix string, m map[string]any) {
		for k, v := range m {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			if sub, ok := v.(map[string]any); ok {
				rec(key, sub)
				continue
			}
			out[key] = v
		}
	}
	rec("", m)
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
