// Package browsertest opens an HTML page in headless Chromium, as a person
// would, and checks what it shows: a screenshot that is not blank and a
// rendered DOM with the texts and charts expected. Tests of the HTML reports
// share it.
package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Width and Height are the window size of the screenshot.
const Width, Height = 1280, 2000

// EnvScreenshotDir, when set, makes Check copy each screenshot there (the
// README's picture of the report is made this way).
const EnvScreenshotDir = "GINLEAK_SCREENSHOT_DIR"

// Browser finds Chromium; ok is false when none is installed.
func Browser() (path string, ok bool) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Want is what the page must show.
type Want struct {
	// Texts must all appear in the rendered DOM.
	Texts []string
	// Charts is the least number of <svg> charts, each with a data path.
	Charts int
	// MaxBytes bounds the page's size.
	MaxBytes int64
	// Colors ("#rrggbb") must each be painted somewhere in the screenshot:
	// the series colours prove the charts were drawn, not just parsed.
	Colors []string
}

// Check renders page (a file) in headless Chromium and checks it. It skips
// the test when no browser is installed; .ci/run installs one.
func Check(t *testing.T, page string, want Want) {
	t.Helper()
	browser, ok := Browser()
	if !ok && os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found, and CI must check the HTML reports in a browser: .ci/run installs the Debian package chromium")
	}
	if !ok {
		t.Skip("no Chromium found (install the Debian package chromium; .ci/run does): the page was not checked in a browser")
	}
	info, err := os.Stat(page)
	if err != nil {
		t.Fatal(err)
	}
	if want.MaxBytes > 0 && info.Size() > want.MaxBytes {
		t.Errorf("%s is %d bytes, over %d", filepath.Base(page), info.Size(), want.MaxBytes)
	}
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + abs
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")

	run(t, browser, dir, "--screenshot="+shot, url)
	checkScreenshot(t, shot, want.Colors)
	if d := os.Getenv(EnvScreenshotDir); d != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(d, strings.TrimSuffix(filepath.Base(page), ".html")+".png"), data, 0o644)
	}

	dom := run(t, browser, dir, "--dump-dom", url)
	for _, text := range want.Texts {
		if !strings.Contains(dom, text) && !strings.Contains(dom, html.EscapeString(text)) {
			t.Errorf("the rendered page lacks %q", text)
		}
	}
	charts := 0
	for _, svg := range strings.Split(dom, "<svg")[1:] {
		end := strings.Index(svg, "</svg>")
		if end < 0 {
			continue
		}
		if body := svg[:end]; strings.Contains(body, "<path") && strings.Contains(body, ` d="M`) {
			charts++
		}
	}
	if charts < want.Charts {
		t.Errorf("the rendered page has %d charts with data, want at least %d", charts, want.Charts)
	}
}

// run starts Chromium once, bounded in time, with the flags that keep it off
// the network, and returns its standard output.
func run(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	flags := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		"--window-size=1280,2000",
	}
	cmd := exec.CommandContext(ctx, browser, append(flags, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(browser), args, err, tail(errb.String()))
	}
	return out.String()
}

// checkScreenshot wants a PNG of the window's size whose upper part (banner
// and first charts) has more than a few colours: a blank or error page has
// one or two.
func checkScreenshot(t *testing.T, path string, want []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), Width, Height)
	}
	if n := colours(img, image.Rect(0, 0, Width, Height/2)); n < 8 {
		t.Errorf("screenshot's upper half has %d distinct colours: blank?", n)
	}
	for _, hex := range want {
		if !painted(img, hex) {
			t.Errorf("the screenshot has no pixel of %s: a chart was not drawn", hex)
		}
	}
}

// painted reports whether any pixel of img has the colour hex (#rrggbb).
func painted(img image.Image, hex string) bool {
	var r, g, b uint8
	if _, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); err != nil {
		return false
	}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.R == r && c.G == g && c.B == b {
				return true
			}
		}
	}
	return false
}

func colours(img image.Image, r image.Rectangle) int {
	seen := map[[4]uint32]bool{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c0, c1, c2, c3 := img.At(x, y).RGBA()
			seen[[4]uint32{c0, c1, c2, c3}] = true
		}
	}
	return len(seen)
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
