package routeloop

import "testing"

func TestCopyText(t *testing.T) {
	tests := []struct {
		names    []string
		sameLine bool
		col      int
		want     string
	}{
		{[]string{"route"}, false, 3, "route := route\n\t\t"},
		{[]string{"k", "v"}, false, 2, "k := k\n\tv := v\n\t"},
		{[]string{"p"}, true, 30, "p := p; "},
		{[]string{"i"}, false, 1, "i := i\n"},
		{[]string{"i"}, false, 0, "i := i\n"},
	}
	for _, tt := range tests {
		if got := copyText(tt.names, tt.sameLine, tt.col); got != tt.want {
			t.Errorf("copyText(%q, %v, %d) = %q, want %q", tt.names, tt.sameLine, tt.col, got, tt.want)
		}
	}
}

func TestSharesLoopVars(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"go1.21", true},
		{"go1.21.5", true},
		{"go1.18", true},
		{"go1.22", false},
		{"go1.22.0", false},
		{"go1.22rc1", false},
		{"go1.26", false},
		{"", false},
		{"devel", false},
		{"1.21", false},
	}
	for _, tt := range tests {
		if got := sharesLoopVars(tt.v); got != tt.want {
			t.Errorf("sharesLoopVars(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
