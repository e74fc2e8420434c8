package golangci

import (
	"testing"

	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/golangci/plugin-module-register/register"
)

func TestEveryRuleIsAPlugin(t *testing.T) {
	names := []string{SuppressPlugin}
	for _, r := range registry.Rules() {
		names = append(names, r.Name())
	}
	for _, name := range names {
		newPlugin, err := register.GetPlugin(name)
		if err != nil {
			t.Fatalf("plugin %s: %v", name, err)
		}
		p, err := newPlugin(nil)
		if err != nil {
			t.Fatalf("plugin %s with no settings: %v", name, err)
		}
		as, err := p.BuildAnalyzers()
		if err != nil || len(as) != 1 {
			t.Fatalf("plugin %s analyzers: %v, %v", name, as, err)
		}
		if name != SuppressPlugin && as[0].Name != name {
			t.Errorf("plugin %s serves analyzer %s", name, as[0].Name)
		}
		if p.GetLoadMode() != register.LoadModeTypesInfo {
			t.Errorf("plugin %s load mode %s", name, p.GetLoadMode())
		}
	}
}

func TestSettingsRefused(t *testing.T) {
	newPlugin, err := register.GetPlugin("ctxescape")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newPlugin(map[string]any{"typo": true}); err == nil {
		t.Fatal("unknown settings accepted")
	}
	if _, err := newPlugin(map[string]any{}); err != nil {
		t.Fatalf("empty settings refused: %v", err)
	}
}
