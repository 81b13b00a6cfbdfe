// Command mapcore-conformance runs the MapLibre render and query conformance
// suites against mapcore through the Go package.
//
//	mapcore-conformance render [-suite DIR] [-assets DIR] [-filter SUBSTR] [-out DIR]
//	                           [-report FILE] [-ratchet FILE] [-write-ratchet FILE] [-j N] [-v]
//	mapcore-conformance query  [same flags]
//	mapcore-conformance oracle [same flags]
//
// A suite folder holds GROUP/TEST/style.json with metadata.test, plus
// expected.png (render) or expected.json (query). local://X URLs, and
// http://localhost:2900/X (the 2017 harness's asset server, which the
// suite's tileset JSON files name), are served from the -assets folder.
// Defaults, relative to the working directory:
// -suite ../shared/conformance/render-tests (query-tests), -assets
// ../shared/conformance/assets, -out out/conformance/render (query),
// -report OUT/report.json.
//
// The oracle suite is a render suite held in the repository (tests/oracle):
// the project's styles with the images MapLibre Native draws for them
// (tools/oracle/regenerate.py). It runs exactly like render tests (same
// metadata, pixelmatch rule and report); only its defaults differ: -suite
// and -assets tests/oracle (local://X is tests/oracle/X), -out
// out/conformance/oracle.
//
// Render tests: the style is set, metadata.test.operations are applied in
// order through the public API (an operation the API lacks fails the test,
// naming it), a still image is rendered, premultiplied (the suite's
// expected.png files hold premultiplied values) and compared with
// expected.png by pixelmatch (threshold 0.13, anti-aliased pixels not
// counted); difference = mismatched / all pixels; a test passes when
// difference <= allowed (metadata.test.allowed or diff, default 0.00015).
// OUT/GROUP/TEST gets expected.png, actual.png (premultiplied values written
// as they are, like expected.png) and, for failures, diff.png;
// OUT/index.html shows them side by side, failures first (for query tests
// it lists the tests and their errors).
//
// Query tests: the style is rendered, camera operations applied, then
// queryRenderedFeatures at metadata.test.queryGeometry (a point [x, y], a
// box [[x1, y1], [x2, y2]], or the whole view) with queryOptions (or layers
// / filter at the top of metadata.test); the features are compared in order
// with expected.json: deep equality of the remaining members after dropping
// layer, source, sourceLayer and state (which the 2017 expectations lack),
// object keys in any order, numbers within 1e-6 relative or 1e-9 absolute.
//
// Tests the suite marks skipped, or ignored for native, still run: they
// count as passed or failed like any other and are also counted as
// "ignored" in the per-group lines and flagged in the report.
//
// Output: one line per group ("GROUP: P passed, F failed, I ignored"), a
// line "(K marked ignored by the suite)", then "N passed, M failed". With -v,
// a line per failing test first; with -q, only the last two lines. The exit status is 1 when a test listed in the
// -ratchet file fails (listed tests absent from the suite or excluded by
// -filter are not checked), 2 on a usage or I/O error, and 0 otherwise,
// even when unlisted tests fail: the suite is a measure, the ratchet the
// gate. -write-ratchet writes the names of the passing tests.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	kind                  string // "render", "query" or "oracle"
	suite, assets, out    string
	filter, report        string
	ratchet, writeRatchet string
	jobs                  int
	verbose, quiet        bool
	timeout               time.Duration
}

// conformanceDir is the default folder of the suites and assets, relative
// to the working directory (the project root).
const conformanceDir = "../shared/conformance"

const usage = `usage: mapcore-conformance render|query|oracle [flags]
flags:
  -suite DIR          suite folder (default ../shared/conformance/render-tests or query-tests; oracle: tests/oracle)
  -assets DIR         folder served as local:// (default ../shared/conformance/assets; oracle: tests/oracle)
  -filter SUBSTR      run only tests whose GROUP/TEST name contains SUBSTR
  -out DIR            output folder (default out/conformance/render, query or oracle)
  -report FILE        JSON report (default OUT/report.json)
  -ratchet FILE       tests that must pass; exit 1 if one of them fails
  -write-ratchet FILE write the names of the passing tests
  -j N                tests in parallel (default 1)
  -timeout D          limit per still render (default 60s)
  -v                  print a line per failing test
  -q                  print only the last two lines (no per-group counts)
`

// oracleDir is the default folder of the oracle suite (and its assets).
const oracleDir = "tests/oracle"

// renders says whether the suite compares images (render and oracle).
func (c *config) renders() bool { return c.kind != "query" }

func parseArgs(args []string) (*config, error) {
	if len(args) == 0 || (args[0] != "render" && args[0] != "query" && args[0] != "oracle") {
		return nil, errors.New("missing subcommand: render, query or oracle")
	}
	c := &config{kind: args[0]}
	fs := flag.NewFlagSet("mapcore-conformance "+c.kind, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	suite, assets := conformanceDir+"/"+c.kind+"-tests", conformanceDir+"/assets"
	if c.kind == "oracle" {
		suite, assets = oracleDir, oracleDir
	}
	fs.StringVar(&c.suite, "suite", suite, "")
	fs.StringVar(&c.assets, "assets", assets, "")
	fs.StringVar(&c.filter, "filter", "", "")
	fs.StringVar(&c.out, "out", filepath.Join("out", "conformance", c.kind), "")
	fs.StringVar(&c.report, "report", "", "")
	fs.StringVar(&c.ratchet, "ratchet", "", "")
	fs.StringVar(&c.writeRatchet, "write-ratchet", "", "")
	fs.IntVar(&c.jobs, "j", 1, "")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "")
	fs.BoolVar(&c.verbose, "v", false, "")
	fs.BoolVar(&c.quiet, "q", false, "")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.jobs < 1 {
		return nil, fmt.Errorf("-j %d: must be at least 1", c.jobs)
	}
	if c.report == "" {
		c.report = filepath.Join(c.out, "report.json")
	}
	return c, nil
}

// result is one test's entry in the report.
type result struct {
	Name       string   `json:"name"`
	Group      string   `json:"group"`
	Passed     bool     `json:"passed"`
	Ignored    bool     `json:"ignored,omitempty"` // marked skipped / ignored for native by the suite
	Difference *float64 `json:"difference,omitempty"`
	Allowed    *float64 `json:"allowed,omitempty"`
	Error      string   `json:"error,omitempty"`
	Ms         float64  `json:"ms"`
}

func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "mapcore-conformance: %v\n%s", err, usage)
		return 2
	}
	names, err := listTests(c.suite, c.filter)
	if err != nil {
		fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
		return 2
	}
	var required []string
	if c.ratchet != "" {
		if required, err = readRatchet(c.ratchet); err != nil {
			fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
			return 2
		}
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
		return 2
	}
	results := runAll(c, names)

	var passing []string
	for _, r := range results {
		if r.Passed {
			passing = append(passing, r.Name)
		}
	}
	printSummary(stdout, c, results)

	if err := writeJSON(c.report, results); err != nil {
		fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
		return 2
	}
	if err := writeIndex(filepath.Join(c.out, "index.html"), c.kind, c.renders(), results); err != nil {
		fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
		return 2
	}
	if c.writeRatchet != "" {
		text := "# " + c.kind + " conformance tests that must keep passing (mapcore-conformance " + c.kind + " -ratchet).\n" +
			"# Regenerate with -write-ratchet; add names, never drop one without a reason.\n" +
			strings.Join(passing, "\n") + "\n"
		if err := os.WriteFile(c.writeRatchet, []byte(text), 0o644); err != nil {
			fmt.Fprintf(stderr, "mapcore-conformance: %v\n", err)
			return 2
		}
	}
	if required != nil {
		ran := map[string]bool{}
		for _, r := range results {
			ran[r.Name] = r.Passed
		}
		var broken []string
		for _, n := range required {
			if passed, ok := ran[n]; ok && !passed {
				broken = append(broken, n)
			}
		}
		if len(broken) > 0 {
			fmt.Fprintf(stdout, "ratchet %s: %d listed tests failed:\n", c.ratchet, len(broken))
			for _, n := range broken {
				fmt.Fprintf(stdout, "  %s: %s\n", n, reason(results, n))
			}
			return 1
		}
	}
	return 0
}

func reason(results []result, name string) string {
	for _, r := range results {
		if r.Name == name {
			if r.Error != "" {
				return r.Error
			}
			if r.Difference != nil {
				return fmt.Sprintf("difference %.6f > allowed %.6f", *r.Difference, *r.Allowed)
			}
		}
	}
	return ""
}

// listTests returns GROUP/TEST names of the suite's tests (folders with a
// style.json), sorted, whose name contains filter.
func listTests(suite, filter string) ([]string, error) {
	groups, err := os.ReadDir(suite)
	if err != nil {
		return nil, fmt.Errorf("suite folder: %w", err)
	}
	var names []string
	for _, g := range groups {
		if !g.IsDir() {
			continue
		}
		tests, err := os.ReadDir(filepath.Join(suite, g.Name()))
		if err != nil {
			return nil, err
		}
		for _, t := range tests {
			name := g.Name() + "/" + t.Name()
			if !t.IsDir() || !strings.Contains(name, filter) {
				continue
			}
			if _, err := os.Stat(filepath.Join(suite, g.Name(), t.Name(), "style.json")); err == nil {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

func readRatchet(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ratchet: %w", err)
	}
	names := []string{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			names = append(names, l)
		}
	}
	return names, nil
}

// runAll runs the tests on c.jobs goroutines, each locked to its own OS
// thread (mapcore objects belong to the thread that created their runtime);
// every test gets a fresh runtime on that thread.
func runAll(c *config, names []string) []result {
	results := make([]result, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	threads := max(1, runtime.NumCPU()/c.jobs)
	for w := 0; w < c.jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for i := range next {
				results[i] = runOne(c, names[i], threads)
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func runOne(c *config, name string, threads int) (r result) {
	start := time.Now()
	r = result{Name: name, Group: strings.SplitN(name, "/", 2)[0]}
	defer func() {
		if p := recover(); p != nil {
			r.Passed = false
			r.Error = fmt.Sprintf("panic: %v", p)
		}
		r.Ms = float64(time.Since(start).Microseconds()) / 1000
		if !r.Passed && c.verbose {
			fmt.Printf("FAIL %s: %s\n", name, failText(r))
		}
	}()
	dir := filepath.Join(c.suite, filepath.FromSlash(name))
	style, err := os.ReadFile(filepath.Join(dir, "style.json"))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	meta, err := parseMeta(style)
	if err != nil {
		r.Error = "style.json: " + err.Error()
		return r
	}
	r.Ignored = meta.ignored()
	if c.renders() {
		runRender(c, name, dir, style, meta, threads, &r)
	} else {
		runQuery(c, name, dir, style, meta, threads, &r)
	}
	return r
}

func failText(r result) string {
	var parts []string
	if r.Difference != nil {
		parts = append(parts, fmt.Sprintf("difference %.6f (allowed %.6f)", *r.Difference, *r.Allowed))
	}
	if r.Error != "" {
		parts = append(parts, r.Error)
	}
	return strings.Join(parts, "; ")
}

func printSummary(w io.Writer, c *config, results []result) {
	type counts struct{ passed, failed, ignored int }
	groups := map[string]*counts{}
	var order []string
	total := counts{}
	for _, r := range results {
		g := groups[r.Group]
		if g == nil {
			g = &counts{}
			groups[r.Group] = g
			order = append(order, r.Group)
		}
		if r.Passed {
			g.passed++
			total.passed++
		} else {
			g.failed++
			total.failed++
		}
		if r.Ignored {
			g.ignored++
			total.ignored++
		}
	}
	for _, name := range order {
		if c.quiet {
			break
		}
		g := groups[name]
		fmt.Fprintf(w, "%s: %d passed, %d failed, %d ignored\n", name, g.passed, g.failed, g.ignored)
	}
	fmt.Fprintf(w, "(%d marked ignored by the suite)\n", total.ignored)
	fmt.Fprintf(w, "%d passed, %d failed\n", total.passed, total.failed)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
