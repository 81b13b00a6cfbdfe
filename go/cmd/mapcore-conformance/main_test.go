package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs the command with args and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func readReport(t *testing.T, path string) map[string]result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []result
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	m := map[string]result{}
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

func renderArgs(out string, extra ...string) []string {
	return append([]string{"render", "-suite", "testdata/render", "-assets", "testdata/assets", "-out", out}, extra...)
}

func TestRenderSuite(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, renderArgs(out, "-j", "2")...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	rs := readReport(t, filepath.Join(out, "report.json"))
	if len(rs) != 13 {
		t.Fatalf("%d tests in the report", len(rs))
	}
	pass := []string{"ops/set-paint-property", "ops/harness-server", "ops/add-remove-layer", "ops/set-layout-and-style",
		"ops/visibility-none", "ops/add-image", "premultiplied/half-red", "premultiplied/marked-ignored"}
	for _, n := range pass {
		if r := rs[n]; !r.Passed || r.Difference == nil || *r.Difference != 0 || r.Error != "" {
			t.Errorf("%s: %+v, want a pass with difference 0", n, r)
		}
	}
	// The paint operation changes every pixel: without it the same
	// expectation fails completely.
	if r := rs["ops/without-operation"]; r.Passed || r.Difference == nil || *r.Difference != 1 {
		t.Errorf("without-operation: %+v, want difference 1", r)
	}
	errs := map[string]string{
		"ops/unknown-operation": "operation frobnicate: not supported",
		"ops/add-class":         "operation addClass: legacy style classes are not supported",
		"ops/add-image-missing": "operation addImage: open testdata/assets/image/absent.png",
		"size/wrong-size":       "image size 4x4, expected 8x8",
	}
	for n, want := range errs {
		if r := rs[n]; r.Passed || !strings.Contains(r.Error, want) {
			t.Errorf("%s: %+v, want a failure with %q", n, r, want)
		}
	}
	if r := rs["premultiplied/marked-ignored"]; !r.Ignored || r.Group != "premultiplied" || r.Allowed == nil || *r.Allowed != 0.00015 {
		t.Errorf("marked-ignored: %+v", r)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{"ops: 6 passed, 4 failed, 0 ignored", "premultiplied: 2 passed, 0 failed, 1 ignored",
		"size: 0 passed, 1 failed, 0 ignored", "(1 marked ignored by the suite)", "8 passed, 5 failed"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", stdout, strings.Join(want, "\n"))
	}

	// Images: actual for every rendered test, diff for failures, the
	// premultiplied values as stored in expected.png.
	for _, f := range []string{"ops/without-operation/actual.png", "ops/without-operation/diff.png",
		"ops/without-operation/expected.png", "premultiplied/half-red/actual.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "ops/set-paint-property/diff.png")); err == nil {
		t.Error("diff.png written for a passing test")
	}
	f, err := os.Open(filepath.Join(out, "premultiplied/half-red/actual.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, a := img.At(3, 3).RGBA(); r>>8 != 64 || g != 0 || b != 0 || a>>8 != 128 {
		// NRGBA (128, 0, 0, 128) read back premultiplied by image/color: 64.
		t.Errorf("half-red actual pixel RGBA() = %d %d %d %d, want stored (128, 0, 0, 128)", r>>8, g, b, a>>8)
	}

	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	h := string(html)
	iFail, iPass := strings.Index(h, "ops/without-operation"), strings.Index(h, "ops/set-paint-property")
	if iFail < 0 || iPass < 0 || iFail > iPass || !strings.Contains(h, `src="ops/without-operation/diff.png"`) {
		t.Errorf("index.html does not list failures first with their images")
	}
	// An operation error has no difference: listed before the worst difference.
	if iErr := strings.Index(h, "ops/unknown-operation"); iErr < 0 || iErr > iFail {
		t.Errorf("index.html: error without a comparison not listed first")
	}
}

func TestRatchet(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	written := filepath.Join(dir, "passing.txt")
	code, stdout, _ := runCmd(t, renderArgs(out, "-filter", "ops/", "-write-ratchet", written)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stdout)
	}
	names, err := readRatchet(written)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "ops/add-image,ops/add-remove-layer,ops/harness-server,ops/set-layout-and-style,ops/set-paint-property,ops/visibility-none" {
		t.Errorf("written ratchet: %s", got)
	}
	// The written list holds: exit 0.
	if code, stdout, _ := runCmd(t, renderArgs(out, "-ratchet", written)...); code != 0 {
		t.Errorf("ratchet of passing tests: exit %d: %s", code, stdout)
	}
	// A listed test that fails: exit 1, naming it and why.
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("# comment\nops/set-paint-property\n\nops/without-operation\nops/unknown-operation\nother/not-in-suite\n"), 0o644)
	code, stdout, _ = runCmd(t, renderArgs(out, "-ratchet", bad)...)
	if code != 1 || !strings.Contains(stdout, "2 listed tests failed") ||
		!strings.Contains(stdout, "ops/without-operation: difference 1.000000 > allowed 0.000150") ||
		!strings.Contains(stdout, "ops/unknown-operation: operation frobnicate") {
		t.Errorf("violated ratchet: exit %d:\n%s", code, stdout)
	}
	// -q: the last two lines, then the violations.
	code, stdout, _ = runCmd(t, renderArgs(out, "-ratchet", bad, "-q")...)
	if code != 1 || !strings.HasPrefix(stdout, "(1 marked ignored by the suite)\n8 passed, 5 failed\nratchet ") {
		t.Errorf("-q: exit %d:\n%s", code, stdout)
	}
	// A listed test excluded by -filter is not checked.
	if code, stdout, _ := runCmd(t, renderArgs(out, "-ratchet", bad, "-filter", "paint")...); code != 0 {
		t.Errorf("filtered: exit %d: %s", code, stdout)
	}
}

func TestQuerySuite(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "q.json")
	code, stdout, stderr := runCmd(t, "query", "-suite", "testdata/query", "-assets", "testdata/assets",
		"-out", filepath.Join(dir, "out"), "-report", report, "-j", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	rs := readReport(t, report)
	for _, n := range []string{"circle/point", "circle/box-filter"} {
		if r := rs[n]; !r.Passed || r.Error != "" || r.Difference != nil {
			t.Errorf("%s: %+v", n, r)
		}
	}
	if r := rs["circle/wrong-expectation"]; r.Passed || !strings.Contains(r.Error, "[0].geometry.coordinates[0]: ") ||
		!strings.Contains(r.Error, "!= expected 22.5; got [Point#7], expected [Point#8]") {
		t.Errorf("wrong-expectation: %+v", r)
	}
	if r := rs["circle/unknown-layer"]; r.Passed || !strings.Contains(r.Error, "NOT_FOUND") {
		t.Errorf("unknown-layer: %+v", r)
	}
	if !strings.HasSuffix(stdout, "\n2 passed, 2 failed\n") {
		t.Errorf("output: %s", stdout)
	}
	html, err := os.ReadFile(filepath.Join(dir, "out", "index.html"))
	if h := string(html); err != nil || !strings.Contains(h, "mapcore query tests: 2 passed, 2 failed") ||
		strings.Index(h, "circle/unknown-layer") > strings.Index(h, "circle/point") || strings.Contains(h, "<img") {
		t.Errorf("query index.html (%v):\n%s", err, h)
	}
}

func TestJSONDiff(t *testing.T) {
	dec := func(s string) any {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	same := [][2]string{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`},
		{`[1.0000000001]`, `[1]`},
		{`[123456.7891]`, `[123456.789]`},
		{`{"id":9007199254740993}`, `{"id":9007199254740993}`},
	}
	for _, c := range same {
		if d := jsonDiff(dec(c[0]), dec(c[1]), ""); d != "" {
			t.Errorf("%s vs %s: %s", c[0], c[1], d)
		}
	}
	differ := [][3]string{
		{`{"a":1}`, `{"a":1,"b":2}`, "keys"},
		{`[1.001]`, `[1]`, "[0]: 1.001 != expected 1"},
		{`["1"]`, `[1]`, `[0]: "1" != expected 1`},
		{`[[1,2]]`, `[[1,2,3]]`, "[0]: 2 items, expected 3"},
		{`{"p":null}`, `{"p":false}`, ".p: null != expected false"},
	}
	for _, c := range differ {
		if d := jsonDiff(dec(c[0]), dec(c[1]), ""); !strings.Contains(d, c[2]) {
			t.Errorf("%s vs %s: %q, want %q", c[0], c[1], d, c[2])
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"draw"},
		{"render", "-j", "0"},
		{"render", "-nope"},
		{"render", "extra"},
		{"render", "-suite", "testdata/absent"},
		{"render", "-suite", "testdata/render", "-ratchet", "testdata/absent.txt"},
	} {
		if code, _, stderr := runCmd(t, args...); code != 2 || !strings.Contains(stderr, "mapcore-conformance:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// The oracle suite runs through the render code path; only its defaults
// (the suite in the repository, its own assets) differ.
func TestOracleSuite(t *testing.T) {
	c, err := parseArgs([]string{"oracle"})
	if err != nil {
		t.Fatal(err)
	}
	if c.suite != "tests/oracle" || c.assets != "tests/oracle" || c.out != filepath.Join("out", "conformance", "oracle") || !c.renders() {
		t.Errorf("oracle defaults: %+v", c)
	}
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "oracle", "-suite", "testdata/render", "-assets", "testdata/assets", "-out", out, "-filter", "premultiplied/")
	if code != 0 || !strings.HasSuffix(stdout, "\n2 passed, 0 failed\n") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	rs := readReport(t, filepath.Join(out, "report.json"))
	if r := rs["premultiplied/half-red"]; !r.Passed || r.Difference == nil || *r.Difference != 0 {
		t.Errorf("half-red: %+v", r)
	}
	if html, err := os.ReadFile(filepath.Join(out, "index.html")); err != nil || !strings.Contains(string(html), `src="premultiplied/half-red/actual.png"`) {
		t.Errorf("oracle index.html has no images (%v)", err)
	}
}
