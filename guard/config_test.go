package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env is a fake process environment.
type env map[string]string

func (e env) opt() ConfigOption {
	return WithLookupEnv(func(k string) (string, bool) { v, ok := e[k]; return v, ok }, func() []string {
		var out []string
		for k, v := range e {
			out = append(out, k+"="+v)
		}
		return out
	})
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "guard.yaml")
	os.WriteFile(file, []byte("server:\n  read_timeout: 7s\n  write_timeout: 8s\nbody:\n  limit: 2048\n"), 0o644)
	e := env{"APP_ENV": "staging", "GINLEAK_SERVER_WRITE_TIMEOUT": "9s"}
	cfg, err := LoadConfig(e.opt(), WithConfigFile(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		got, want any
		key, src  string
	}{
		{cfg.Server.IdleTimeout, DefaultIdleTimeout, "server.idle_timeout", "default"},
		{cfg.Log.Level, "debug", "log.level", "profile staging"},
		{cfg.Outbound.MaxConnsPerHost, 50, "outbound.max_conns_per_host", "profile staging"},
		{cfg.Server.ReadTimeout, 7 * time.Second, "server.read_timeout", "file guard.yaml"},
		{cfg.Body.Limit, int64(2048), "body.limit", "file guard.yaml"},
		{cfg.Server.WriteTimeout, 9 * time.Second, "server.write_timeout", "env GINLEAK_SERVER_WRITE_TIMEOUT"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.key, tt.got, tt.want)
		}
		if got := cfg.sources[tt.key]; got != tt.src {
			t.Errorf("%s came from %q, want %q", tt.key, got, tt.src)
		}
	}
	var b bytes.Buffer
	if err := cfg.Explain(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"environment: staging", "server.write_timeout", "9s", "(env GINLEAK_SERVER_WRITE_TIMEOUT)", "(file guard.yaml)", "(profile staging)", "(default)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Explain lacks %q:\n%s", want, b.String())
		}
	}
	// TOML works the same way.
	toml := filepath.Join(dir, "guard.toml")
	os.WriteFile(toml, []byte("[server]\nread_timeout = \"11s\"\n"), 0o644)
	cfg, err = LoadConfig(env{"APP_ENV": "test"}.opt(), WithConfigFile(toml))
	if err != nil || cfg.Server.ReadTimeout != 11*time.Second {
		t.Errorf("toml: %v, %v", cfg, err)
	}
}

func TestConfigEnvironment(t *testing.T) {
	for _, tt := range []struct {
		e    env
		opts []ConfigOption
		want string
	}{
		{env{}, nil, "no environment: set APP_ENV to one of prod, staging, test"},
		{env{"APP_ENV": "dev"}, nil, `unknown environment "dev"`},
		{env{"DEPLOY": "qa"}, []ConfigOption{WithEnvVar("DEPLOY")}, `unknown environment "qa" (from DEPLOY)`},
		{env{"APP_ENV": "test", "GINLEAK_SERVER_READTIMEOUT": "1s"}, nil, "GINLEAK_SERVER_READTIMEOUT names no setting"},
		{env{"APP_ENV": "test", "GINLEAK_OUTBOUND_BREAKER_RATIO": "0.5"}, nil, "GINLEAK_OUTBOUND_BREAKER_RATIO names no setting"},
		{env{"APP_ENV": "test", "GINLEAK_SERVER_READ_TIMEOUT": "soon"}, nil, "env GINLEAK_SERVER_READ_TIMEOUT"},
		{env{"APP_ENV": "test", "GINLEAK_SERVER_READ_TIMEOUT": "-1s"}, nil, "must not be negative"},
		{env{"APP_ENV": "test", "GINLEAK_LOG_LEVEL": "chatty"}, nil, `log.level "chatty"`},
		{env{"APP_ENV": "test", "GINLEAK_SERVER_READ_TIMEOUT_FILE": "/x"}, nil, "only secrets are read from files"},
	} {
		_, err := LoadConfig(append([]ConfigOption{tt.e.opt()}, tt.opts...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.e, err, tt.want)
		}
	}
	// Variables of other tools that share the prefix are not settings.
	if _, err := LoadConfig(env{"APP_ENV": "test", "GINLEAK_SCREENSHOT_DIR": "/tmp", "GINLEAK_SOAK": "x"}.opt()); err != nil {
		t.Errorf("unrelated GINLEAK_ variables: %v", err)
	}
	// The user's own environment names.
	cfg, err := LoadConfig(env{"APP_ENV": "qa"}.opt(), WithProfile("qa", map[string]any{"async.limit": 7}))
	if err != nil || cfg.Async.Limit != 7 || cfg.Env != "qa" {
		t.Errorf("own profile: %v, %v", cfg, err)
	}
}

func TestConfigProdRefusesUnsafeValues(t *testing.T) {
	e := env{"APP_ENV": "prod", "GINLEAK_LOG_LEVEL": "debug", "GINLEAK_PPROF_ENABLED": "true",
		"GINLEAK_SERVER_READ_HEADER_TIMEOUT": "0s", "GINLEAK_BODY_LIMIT": "0"}
	_, err := LoadConfig(e.opt())
	if err == nil {
		t.Fatal("prod accepted debug logs, pprof without a token, no header timeout and no body limit")
	}
	for _, want := range []string{"log.level debug (refused in prod)", "pprof.enabled without pprof.token", "server.read_header_timeout 0", "body.limit 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("prod error lacks %q:\n%v", want, err)
		}
	}
	// The same values are fine in staging and test.
	for _, name := range []string{"staging", "test"} {
		e["APP_ENV"] = name
		if _, err := LoadConfig(e.opt()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A strict environment of the user's.
	e["APP_ENV"] = "test"
	if _, err := LoadConfig(e.opt(), WithStrictEnvironments("test")); err == nil {
		t.Error("WithStrictEnvironments(test) did not refuse")
	}
}

func TestConfigSecrets(t *testing.T) {
	const token = "s3cr3t-token-0123456789abcdef"
	dir := t.TempDir()
	// In the file: refused, naming the key and the variables to use.
	file := filepath.Join(dir, "guard.yaml")
	os.WriteFile(file, []byte("pprof:\n  token: "+token+"\n"), 0o644)
	_, err := LoadConfig(env{"APP_ENV": "test"}.opt(), WithConfigFile(file))
	if err == nil || !strings.Contains(err.Error(), `"pprof.token" is a secret`) || !strings.Contains(err.Error(), "GINLEAK_PPROF_TOKEN_FILE") {
		t.Fatalf("secret in file: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), token) {
		t.Error("the error shows the secret")
	}
	// From a _FILE (trailing newline dropped), and directly.
	secretFile := filepath.Join(dir, "token")
	os.WriteFile(secretFile, []byte(token+"\n"), 0o600)
	cfg, err := LoadConfig(env{"APP_ENV": "prod", "GINLEAK_PPROF_ENABLED": "true", "GINLEAK_PPROF_TOKEN_FILE": secretFile}.opt())
	if err != nil || cfg.Pprof.Token.Reveal() != token {
		t.Fatalf("_FILE secret: %v", err)
	}
	if cfg.sources["pprof.token"] != "env GINLEAK_PPROF_TOKEN_FILE" {
		t.Errorf("source %q", cfg.sources["pprof.token"])
	}
	if _, err := LoadConfig(env{"APP_ENV": "test", "GINLEAK_PPROF_TOKEN": token, "GINLEAK_PPROF_TOKEN_FILE": secretFile}.opt()); err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("both set: %v", err)
	}
	if _, err := LoadConfig(env{"APP_ENV": "test", "GINLEAK_PPROF_TOKEN_FILE": filepath.Join(dir, "missing")}.opt()); err == nil {
		t.Error("a missing secret file was accepted")
	}
	// A weak token fails when the configuration loads, not when pprof is
	// mounted, and the error does not repeat it.
	_, err = LoadConfig(env{"APP_ENV": "test", "GINLEAK_PPROF_TOKEN": "short1"}.opt())
	if err == nil || !strings.Contains(err.Error(), "pprof.token") || strings.Contains(err.Error(), "short1") {
		t.Errorf("weak token: %v", err)
	}

	// Masked in every output.
	var b bytes.Buffer
	_ = cfg.Explain(&b)
	j, _ := json.Marshal(cfg)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "token", cfg.Pprof.Token)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "cfg", cfg)
	outputs := map[string]string{
		"Explain": b.String(), "String": cfg.String(), "%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", *cfg),
		"%#v": fmt.Sprintf("%#v", *cfg), "%s token": fmt.Sprintf("%s", cfg.Pprof.Token), "%d token": fmt.Sprintf("%d", cfg.Pprof.Token),
		"%x token": fmt.Sprintf("%x", cfg.Pprof.Token), "%q token": fmt.Sprintf("%q", cfg.Pprof.Token), "json": string(j), "slog": logged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, token) || strings.Contains(out, fmt.Sprintf("%x", token)) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
		if !strings.Contains(out, secretMask) {
			t.Errorf("%s does not show the mask: %s", name, out)
		}
	}
}

func TestConfigBuildsTheBlocks(t *testing.T) {
	cfg, err := LoadConfig(env{"APP_ENV": "test", "GINLEAK_SERVER_READ_HEADER_TIMEOUT": "3s", "GINLEAK_OUTBOUND_TIMEOUT": "4s", "GINLEAK_CACHE_SIZE": "5"}.opt())
	if err != nil {
		t.Fatal(err)
	}
	srv := cfg.NewServer("127.0.0.1:0", nil)
	if srv.ReadHeaderTimeout != 3*time.Second || srv.WriteTimeout != cfg.Server.WriteTimeout {
		t.Errorf("server: %v %v", srv.ReadHeaderTimeout, srv.WriteTimeout)
	}
	c, err := cfg.NewClient()
	if err != nil || c.Timeout() != 4*time.Second {
		t.Errorf("client: %v, %v", c, err)
	}
	cache, err := CacheFromConfig[string, int](cfg)
	if err != nil {
		t.Fatal(err)
	}
	cache.Close()
	a, err := cfg.NewAsync()
	if err != nil {
		t.Fatal(err)
	}
	_ = a
	if !cfg.Logger(&bytes.Buffer{}).Enabled(t.Context(), slog.LevelDebug) {
		t.Error("test profile logs at debug")
	}
}
