package secretlog

import (
	"slices"
	"testing"
)

func TestParseVerbs(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
		ok     bool
	}{
		{"", nil, true},
		{"no verbs", nil, true},
		{"%v", []string{"%v"}, true},
		{"a=%s b=%+v c=%#v", []string{"%s", "%+v", "%#v"}, true},
		{"100%% done %d", []string{"%d"}, true},
		{"%-10s|%08.3f", []string{"%-10s", "%08.3f"}, true},
		{"%*d", []string{"*", "%*d"}, true},
		{"%.*s", []string{"*", "%.*s"}, true},
		{"%*.*f", []string{"*", "*", "%*.*f"}, true},
		{"%[2]s %[1]s", nil, false},
		{"trailing %", nil, true},
		{"%T %p", []string{"%T", "%p"}, true},
		{"unicode %é", []string{"%é"}, true},
	} {
		got, ok := parseVerbs(tc.format)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("parseVerbs(%q) = %q, %v; want %q, %v", tc.format, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLeaks(t *testing.T) {
	for d, want := range map[string]bool{
		"%v": true, "%+v": true, "%#v": true, "%s": true, "%q": true, "%d": true, "%x": true,
		"%T": false, "%p": false, "*": false, "%10p": false,
	} {
		if got := leaks(d); got != want {
			t.Errorf("leaks(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestIsRedactName(t *testing.T) {
	for name, want := range map[string]bool{
		"redactHeaders": true, "Redact": true, "maskToken": true, "MaskAuthorization": true,
		"sanitizeHeaders": true, "sanitise": true, "scrub": true, "hashToken": true, "Fingerprint": true,
		"anonymize": true, "obfuscate": true,
		"": false, "GetHeader": false, "Sprintf": false, "TrimPrefix": false, "headerGroup": false,
	} {
		if got := isRedactName(name); got != want {
			t.Errorf("isRedactName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestMentionsCredentialHeader(t *testing.T) {
	for s, want := range map[string]bool{
		`"Authorization"`: true, `"authorization:"`: true, `"Set-Cookie"`: true, `"X-API-KEY"`: true,
		`"Proxy-Authorization"`: true, `"cookie"`: true,
		`"User-Agent"`: false, `"X-Request-Id"`: false, `"auth"`: false,
	} {
		if got := mentionsCredentialHeader(s); got != want {
			t.Errorf("mentionsCredentialHeader(%s) = %v, want %v", s, got, want)
		}
	}
}
