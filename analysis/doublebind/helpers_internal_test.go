package doublebind

import "testing"

func TestConflicts(t *testing.T) {
	tests := []struct {
		name string
		a, b kind
		want bool
	}{
		{"raw then raw", raw, raw, true},
		{"raw then decode", raw, decode, true},
		{"decode then raw", decode, raw, true},
		{"raw then form", raw, form, true},
		{"form then raw", form, raw, true},
		{"decode then decode", decode, decode, true},
		{"ShouldBind then decode", decode | form, decode, true},
		{"ShouldBind then ShouldBind", decode | form, decode | form, true},
		{"cached then decode", cached, decode, true},
		{"decode then cached", decode, cached, true},
		{"cached then raw", cached, raw, true},
		{"cached then ShouldBind", cached, decode | form, true},
		{"cached then cached", cached, cached, false},
		{"form then form", form, form, false},
		{"form then decode", form, decode, false},
		{"decode then form", decode, form, false},
		{"cached then form", cached, form, false},
		{"ShouldBind then form", decode | form, form, false},
		{"not a read", 0, raw, false},
		{"not a read after", raw, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := conflicts(tt.a, tt.b); got != tt.want {
				t.Errorf("conflicts(%b, %b) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
