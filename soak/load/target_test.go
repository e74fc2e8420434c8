package load

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "http://127.0.0.1:8080/x", want: Target{Method: "GET", URL: "http://127.0.0.1:8080/x"}},
		{in: "POST http://127.0.0.1/cart", want: Target{Method: "POST", URL: "http://127.0.0.1/cart"}},
		{in: "  DELETE   http://localhost/a/{{seq}}  ", want: Target{Method: "DELETE", URL: "http://localhost/a/{{seq}}"}},
		{in: "https://[::1]:8443/", want: Target{Method: "GET", URL: "https://[::1]:8443/"}},
		{in: "", wantErr: "want URL"},
		{in: "GET http://x/ extra", wantErr: "want URL"},
		{in: "get http://127.0.0.1/", wantErr: "invalid method"},
		{in: "ftp://127.0.0.1/", wantErr: "scheme must be http or https"},
		{in: "127.0.0.1:8080/x", wantErr: "scheme"},
		{in: "http:///nohost", wantErr: "no host"},
		{in: "http://127.0.0.1:8080/%zz", wantErr: "invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTarget(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseTarget(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadTargets(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "thing.json")
	if err := os.WriteFile(body, []byte(`{"id":"{{uuid}}"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    []Target
		wantErr string
	}{
		{
			name: "vegeta example",
			in: `# comment
GET http://127.0.0.1:9090/path/to/dragon?item=ball
X-Account-ID: 8675309

DELETE http://127.0.0.1:9090/path/to/remove
Confirmation-Token: 90215
Authorization: Token DEADBEEF

POST http://127.0.0.1:9090/things
Content-Type: application/json
@` + body + `
`,
			want: []Target{
				{Method: "GET", URL: "http://127.0.0.1:9090/path/to/dragon?item=ball",
					Header: http.Header{"X-Account-Id": {"8675309"}}},
				{Method: "DELETE", URL: "http://127.0.0.1:9090/path/to/remove",
					Header: http.Header{"Confirmation-Token": {"90215"}, "Authorization": {"Token DEADBEEF"}}},
				{Method: "POST", URL: "http://127.0.0.1:9090/things",
					Header: http.Header{"Content-Type": {"application/json"}},
					Body:   []byte(`{"id":"{{uuid}}"}`)},
			},
		},
		{
			name: "crlf, repeated headers, comments inside",
			in:   "GET http://127.0.0.1/a\r\nX-A: 1\r\n# skip\r\nX-A: 2\r\n\r\n\r\nGET http://127.0.0.1/b\r\n",
			want: []Target{
				{Method: "GET", URL: "http://127.0.0.1/a", Header: http.Header{"X-A": {"1", "2"}}},
				{Method: "GET", URL: "http://127.0.0.1/b"},
			},
		},
		{name: "empty", in: "# nothing\n\n", wantErr: "no targets"},
		{name: "bare URL", in: "http://127.0.0.1/\n", wantErr: "line 1"},
		{name: "missing blank line", in: "GET http://127.0.0.1/a\nGET http://127.0.0.1/b\n", wantErr: "line 2"},
		{name: "bad header", in: "GET http://127.0.0.1/a\nnot a header\n", wantErr: "neither a header"},
		{name: "missing body file", in: "POST http://127.0.0.1/a\n@" + filepath.Join(dir, "nope") + "\n", wantErr: "read body"},
		{name: "empty body path", in: "POST http://127.0.0.1/a\n@\n", wantErr: "empty body path"},
		{name: "two bodies", in: "POST http://127.0.0.1/a\n@" + body + "\n@" + body + "\n", wantErr: "second body"},
		{name: "bad URL", in: "GET ftp://127.0.0.1/a\n", wantErr: "scheme"},
		{name: "binary", in: "\x7fELF\x02\x01\x01\x00\x00" + strings.Repeat("\x00\xff", 8000), wantErr: "line 1: binary data, not text"},
		{name: "long garbage line", in: "GET http://127.0.0.1/a\n" + strings.Repeat("x", 15000) + "\n", wantErr: "line 2: \"xxxx"},
		{name: "too long", in: strings.Repeat("y", 2<<20), wantErr: "line 1: longer than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTargets(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %.300v, want containing %q", err, tt.wantErr)
				}
				// A bad file is summarised, never echoed whole.
				if len(err.Error()) > 400 {
					t.Errorf("error is %d bytes long", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	fixed := func() [16]byte {
		return [16]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 1, 2, 3, 4, 5, 6, 0xff}
	}
	tests := []struct {
		in      string
		seq     int64
		want    string
		dynamic bool
	}{
		{in: "", want: ""},
		{in: "/plain", want: "/plain"},
		{in: "/a/{{seq}}", seq: 42, want: "/a/42", dynamic: true},
		{in: "{{ seq }}-{{seq}}", seq: 0, want: "0-0", dynamic: true},
		{in: "/u/{{uuid}}?x=1", want: "/u/12345678-9abc-def0-0001-0203040506ff?x=1", dynamic: true},
		{in: "{{other}}/{{seq}}", seq: 7, want: "{{other}}/7", dynamic: true},
		{in: "{{seq", want: "{{seq"},
		{in: "}}{{", want: "}}{{"},
		{in: "x{{seq}}y", seq: 1234567890123, want: "x1234567890123y", dynamic: true},
	}
	for _, tt := range tests {
		tmpl := compileTemplate(tt.in)
		if got := string(appendTemplate(nil, tmpl, fixed, tt.seq)); got != tt.want {
			t.Errorf("render(%q, %d) = %q, want %q", tt.in, tt.seq, got, tt.want)
		}
		if got := tmpl.dynamic(); got != tt.dynamic {
			t.Errorf("dynamic(%q) = %v, want %v", tt.in, got, tt.dynamic)
		}
	}
}

func TestReason(t *testing.T) {
	if got := reason(errString("dial tcp 127.0.0.1:1: weird failure")); got != "weird failure" {
		t.Errorf("reason = %q", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// Placeholders may not decide where requests go: none in the scheme, user
// information or host.
func TestPlaceholderOutsideOrigin(t *testing.T) {
	for _, in := range []string{
		"http://127.0.0.1:40675{{seq}}@127.0.0.2:18555/x",
		"http://localhost{{seq}}.example.com/",
		"http://localhost{{uuid}}/",
		"http://127.0.0.1:80{{ seq }}/",
		"http://{{seq}}@127.0.0.1/",
		"{{seq}}http://127.0.0.1/",
		"http{{seq}}://127.0.0.1/",
	} {
		err := Target{URL: in}.Validate()
		if err == nil || !strings.Contains(err.Error(), "placeholder in the scheme, user or host") {
			t.Errorf("Validate(%q) = %v, want a placeholder error", in, err)
		}
		if strings.Contains(in, " ") {
			continue // not a single field on a command line or in a targets file
		}
		if _, err := ParseTarget(in); err == nil || !strings.Contains(err.Error(), "placeholder in the scheme, user or host") {
			t.Errorf("ParseTarget(%q) = %v, want a placeholder error", in, err)
		}
		if _, err := ReadTargets(strings.NewReader("GET " + in + "\n")); err == nil || !strings.Contains(err.Error(), "line 1: ") {
			t.Errorf("ReadTargets(%q) = %v, want a line 1 error", in, err)
		}
		if _, err := New(Config{Targets: []Target{{URL: in}}}); err == nil {
			t.Errorf("New(%q) succeeded", in)
		}
	}
	for _, in := range []string{
		"http://127.0.0.1:8080/{{seq}}", "http://127.0.0.1:8080?k={{uuid}}", "http://127.0.0.1:8080#{{seq}}",
		"http://u:p@127.0.0.1:8080/a/{{seq}}", "http://127.0.0.1/{{other}}@{{seq}}",
	} {
		if _, err := ParseTarget(in); err != nil {
			t.Errorf("ParseTarget(%q) = %v", in, err)
		}
	}
	u, err := Target{URL: "https://127.0.0.1:8443/a/{{seq}}?id={{uuid}}"}.ParsedURL()
	if err != nil || u.Scheme != "https" || u.Host != "127.0.0.1:8443" || u.Path != "/a/0" {
		t.Errorf("ParsedURL = %v, %v", u, err)
	}
}

// Errors say what is wrong once: the caller names the target, or the
// targets file.
func TestTargetMessages(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"GET /relative", "no scheme and host: write the whole URL, such as http://127.0.0.1:PORT/relative"},
		{"GET /a/{{seq}}", "no scheme and host: write the whole URL, such as http://127.0.0.1:PORT/a/{{seq}}"},
		{"localhost:8080/x", "no scheme: write http://localhost:8080/x"},
		{"//127.0.0.1/x", "no scheme: write http://127.0.0.1/x"},
		{"get http://127.0.0.1/", `invalid method "get"`},
		{"GET http://x/ extra", `want URL or "METHOD URL"`},
		{"ftp://127.0.0.1/{{seq}}", `scheme must be http or https, not "ftp"`},
		{"http://127.0.0.1:1{{seq}}@127.0.0.2/", "a placeholder in the scheme, user or host: {{seq}} and {{uuid}} may appear only in the path, the query, headers and the body"},
	}
	for _, tt := range tests {
		_, err := ParseTarget(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseTarget(%q) = %v\nwant %s", tt.in, err, tt.want)
		}
	}
	for _, in := range []string{"# nothing\n", "GET /x\n", "GET http://127.0.0.1/\nbad header\n",
		"GET http://127.0.0.1/\nX: " + strings.Repeat("x", 2<<20) + "\n"} {
		_, err := ReadTargets(strings.NewReader(in))
		if err == nil {
			t.Errorf("ReadTargets(%.40q) succeeded", in)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, "read targets") || strings.Contains(msg, "targets line") {
			t.Errorf("ReadTargets error %q repeats what the caller says (read targets file F:)", msg)
		}
	}
	if _, err := ReadTargets(strings.NewReader("GET http://127.0.0.1/\nX: " + strings.Repeat("x", 2<<20) + "\n")); err == nil ||
		!strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("long line: %v", err)
	}
	// In a targets file, the error names the line and the request.
	if _, err := ReadTargets(strings.NewReader("# c\nGET /x\n")); err == nil ||
		err.Error() != "line 2: GET /x: no scheme and host: write the whole URL, such as http://127.0.0.1:PORT/x" {
		t.Errorf("ReadTargets = %v", err)
	}
}
