package main

import (
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	mapcore "mapcore.dev/mapcore/go"
)

// threshold is the suite's pixelmatch threshold.
const threshold = 0.13

func runRender(c *config, name, dir string, style []byte, meta *testMeta, threads int, r *result) {
	allowed := meta.Allowed
	r.Allowed = &allowed
	out := filepath.Join(c.out, filepath.FromSlash(name))
	if err := os.MkdirAll(out, 0o755); err != nil {
		r.Error = err.Error()
		return
	}
	expBytes, err := os.ReadFile(filepath.Join(dir, "expected.png"))
	if err != nil {
		r.Error = err.Error()
		return
	}
	_ = os.WriteFile(filepath.Join(out, "expected.png"), expBytes, 0o644)
	expImg, err := png.Decode(strings.NewReader(string(expBytes)))
	if err != nil {
		r.Error = "expected.png: " + err.Error()
		return
	}
	expected := rawNRGBA(expImg)

	actual, events, err := renderTest(c, style, meta, threads)
	if actual != nil {
		if err := writePNG(filepath.Join(out, "actual.png"), actual); err != nil && r.Error == "" {
			r.Error = err.Error()
		}
	}
	if err != nil {
		r.Error = err.Error()
		return
	}
	eb, ab := expected.Bounds(), actual.Bounds()
	if eb.Dx() != ab.Dx() || eb.Dy() != ab.Dy() {
		one := 1.0
		r.Difference = &one
		r.Error = fmt.Sprintf("image size %dx%d, expected %dx%d", ab.Dx(), ab.Dy(), eb.Dx(), eb.Dy())
		return
	}
	n, diff, err := Pixelmatch(actual.Pix, expected.Pix, ab.Dx(), ab.Dy(), threshold)
	if err != nil {
		r.Error = err.Error()
		return
	}
	d := float64(n) / float64(ab.Dx()*ab.Dy())
	r.Difference = &d
	r.Passed = d <= allowed
	if r.Passed {
		_ = os.Remove(filepath.Join(out, "diff.png")) // from an earlier run
	} else {
		r.Error = events
		img := &image.NRGBA{Pix: diff, Stride: 4 * ab.Dx(), Rect: ab}
		if err := writePNG(filepath.Join(out, "diff.png"), img); err != nil {
			r.Error = err.Error()
		}
	}
}

// renderTest renders a test's still image and returns its premultiplied
// RGBA values in an NRGBA image (stored as they are, like expected.png).
// It also returns a summary of the failure events.
func renderTest(c *config, style []byte, meta *testMeta, threads int) (*image.NRGBA, string, error) {
	ss, err := openSession(c, meta, threads)
	if err != nil {
		return nil, "", err
	}
	defer ss.close()
	fail := func(err error) (*image.NRGBA, string, error) {
		if ev := ss.events(); ev != "" {
			err = fmt.Errorf("%w (%s)", err, ev)
		}
		return nil, "", err
	}
	if err := ss.m.SetStyleJSON(style); err != nil {
		return fail(err)
	}
	for _, op := range meta.Operations {
		if err := ss.apply(op); err != nil {
			return fail(err)
		}
	}
	if err := ss.still(); err != nil {
		return fail(err)
	}
	img, err := ss.s.ReadNRGBA()
	if err != nil {
		return fail(err)
	}
	mapcore.Premultiply(img.Pix)
	return img, ss.events(), nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeIndex writes an HTML page listing the tests, failures first (largest
// difference first), then passes; for render tests with expected, actual
// and diff images side by side.
func writeIndex(path, kind string, images bool, results []result) error {
	rs := append([]result(nil), results...)
	diffOf := func(r result) float64 {
		if r.Difference == nil {
			return 2 // errors before any comparison first
		}
		return *r.Difference
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Passed != rs[j].Passed {
			return !rs[i].Passed
		}
		return diffOf(rs[i]) > diffOf(rs[j])
	})
	var b strings.Builder
	passed := 0
	for _, r := range rs {
		if r.Passed {
			passed++
		}
	}
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mapcore %[1]s tests</title>
<style>body{font-family:sans-serif}td{vertical-align:top;padding:4px}img{max-width:256px;image-rendering:pixelated;border:1px solid #ccc}
.fail{background:#fdd}.pass{background:#dfd}.ign{color:#888}</style></head><body>
<h1>mapcore %[1]s tests: %[2]d passed, %[3]d failed</h1>
`, kind, passed, len(rs)-passed)
	if images {
		b.WriteString(`<p>Images hold premultiplied values written as straight RGBA, as the suite's expected.png files do. Diff: red = mismatch, yellow = anti-aliased (not counted).</p>
<table><tr><th>test</th><th>expected</th><th>actual</th><th>diff</th></tr>
`)
	} else {
		b.WriteString("<table><tr><th>test</th></tr>\n")
	}
	for _, r := range rs {
		cls, status := "pass", "passed"
		if !r.Passed {
			cls, status = "fail", "failed"
		}
		if r.Ignored {
			status += ` <span class="ign">(marked ignored by the suite)</span>`
		}
		detail := ""
		if r.Difference != nil {
			detail = fmt.Sprintf("difference %.6f, allowed %.6f", *r.Difference, *r.Allowed)
		}
		if r.Error != "" {
			detail += "<br>" + html.EscapeString(r.Error)
		}
		n := html.EscapeString(r.Name)
		img := func(file string) string {
			return fmt.Sprintf(`<img loading="lazy" src="%s/%s" alt="">`, n, file)
		}
		fmt.Fprintf(&b, "<tr class=%q><td><b>%s</b><br>%s<br>%s<br>%.0f ms</td>", cls, n, status, detail, r.Ms)
		if images {
			d := ""
			if !r.Passed {
				d = img("diff.png")
			}
			fmt.Fprintf(&b, "<td>%s</td><td>%s</td><td>%s</td>", img("expected.png"), img("actual.png"), d)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table></body></html>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
