package mapcore

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Issue 11, enums: the Go constants come from the C header (through the
// internal C layer); this test reads the header itself and fails when a
// value differs or when the header has an enumerator the package lacks (or
// the reverse).
func TestEnumsMatchHeader(t *testing.T) {
	goValues := map[string]int64{
		"MAPCORE_STATUS_OK":                   int64(StatusOK),
		"MAPCORE_STATUS_INVALID_ARGUMENT":     int64(StatusInvalidArgument),
		"MAPCORE_STATUS_INVALID_STATE":        int64(StatusInvalidState),
		"MAPCORE_STATUS_WRONG_THREAD":         int64(StatusWrongThread),
		"MAPCORE_STATUS_NOT_FOUND":            int64(StatusNotFound),
		"MAPCORE_STATUS_UNSUPPORTED":          int64(StatusUnsupported),
		"MAPCORE_STATUS_PARSE_ERROR":          int64(StatusParseError),
		"MAPCORE_STATUS_IO_ERROR":             int64(StatusIOError),
		"MAPCORE_STATUS_INTERNAL":             int64(StatusInternal),
		"MAPCORE_STATUS_TIMEOUT":              int64(StatusTimeout),
		"MAPCORE_STATUS_CANCELLED":            int64(StatusCancelled),
		"MAPCORE_EVENT_STYLE_LOADED":          int64(EventStyleLoaded),
		"MAPCORE_EVENT_SOURCE_LOADED":         int64(EventSourceLoaded),
		"MAPCORE_EVENT_MAP_IDLE":              int64(EventMapIdle),
		"MAPCORE_EVENT_STILL_IMAGE_FINISHED":  int64(EventStillImageFinished),
		"MAPCORE_EVENT_RENDER_FRAME_FINISHED": int64(EventRenderFrameFinished),
		"MAPCORE_EVENT_STYLE_ERROR":           int64(EventStyleError),
		"MAPCORE_EVENT_RESOURCE_ERROR":        int64(EventResourceError),
		"MAPCORE_EVENT_TILE_ERROR":            int64(EventTileError),
		"MAPCORE_EVENT_WARNING":               int64(EventWarning),
		"MAPCORE_EVENT_INFO":                  int64(EventInfo),
		"MAPCORE_GLYPHS_URL_FIRST":            int64(GlyphsURLFirst),
		"MAPCORE_GLYPHS_LOCAL_FIRST":          int64(GlyphsLocalFirst),
		"MAPCORE_GLYPHS_URL_ONLY":             int64(GlyphsURLOnly),
		"MAPCORE_RESOURCE_STYLE":              int64(ResourceStyle),
		"MAPCORE_RESOURCE_SOURCE":             int64(ResourceSource),
		"MAPCORE_RESOURCE_TILE":               int64(ResourceTile),
		"MAPCORE_RESOURCE_GLYPHS":             int64(ResourceGlyphs),
		"MAPCORE_RESOURCE_SPRITE_JSON":        int64(ResourceSpriteJSON),
		"MAPCORE_RESOURCE_SPRITE_IMAGE":       int64(ResourceSpriteImage),
		"MAPCORE_RESOURCE_IMAGE":              int64(ResourceImage),
		"MAPCORE_LOG_ERROR":                   int64(LogError),
		"MAPCORE_LOG_WARN":                    int64(LogWarn),
		"MAPCORE_LOG_INFO":                    int64(LogInfo),
		"MAPCORE_LOG_DEBUG":                   int64(LogDebug),
		"MAPCORE_LOG_TRACE":                   int64(LogTrace),
		"MAPCORE_CAMERA_CENTER":               int64(CameraCenter),
		"MAPCORE_CAMERA_ZOOM":                 int64(CameraZoom),
		"MAPCORE_CAMERA_BEARING":              int64(CameraBearing),
		"MAPCORE_CAMERA_PITCH":                int64(CameraPitch),
		"MAPCORE_CAMERA_ALL":                  int64(CameraAll),
	}
	header := map[string]int64{}
	re := regexp.MustCompile(`\b(MAPCORE_(?:STATUS|EVENT|RESOURCE|LOG|CAMERA|GLYPHS)_[A-Z0-9_]+)\s*=\s*([^,\n/]+)`)
	files, _ := filepath.Glob(filepath.Join("..", "include", "mapcore", "*.h"))
	if len(files) == 0 {
		t.Fatal("the C headers are not at ../include/mapcore")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			v, err := cEnumValue(m[2])
			if err != nil {
				t.Fatalf("%s: %s = %q: %v", f, m[1], m[2], err)
			}
			header[m[1]] = v
		}
	}
	for name, hv := range header {
		gv, ok := goValues[name]
		switch {
		case !ok:
			t.Errorf("the header defines %s = %d; the Go package has no constant for it", name, hv)
		case gv != hv:
			t.Errorf("%s: header %d, Go %d", name, hv, gv)
		}
	}
	for name := range goValues {
		if _, ok := header[name]; !ok {
			t.Errorf("Go has a constant for %s, which the header does not define", name)
		}
	}
	// Every known value has a name (String does not fall back to the number).
	for name, v := range header {
		var s string
		switch {
		case strings.HasPrefix(name, "MAPCORE_STATUS_"):
			s = Status(v).String()
		case strings.HasPrefix(name, "MAPCORE_EVENT_"):
			s = EventType(v).String()
		case strings.HasPrefix(name, "MAPCORE_RESOURCE_"):
			s = ResourceKind(v).String()
		case strings.HasPrefix(name, "MAPCORE_LOG_"):
			s = LogLevel(v).String()
		default:
			continue
		}
		if strings.Contains(s, "(") {
			t.Errorf("%s has no name in Go: %s", name, s)
		}
	}
}

// cEnumValue evaluates the enumerator values the header uses: 12, 0xFu,
// 1u << 3.
func cEnumValue(expr string) (int64, error) {
	num := func(s string) (int64, error) {
		s = strings.TrimRight(strings.TrimSpace(s), "uUlL")
		return strconv.ParseInt(s, 0, 64)
	}
	if a, b, ok := strings.Cut(expr, "<<"); ok {
		x, err := num(a)
		if err != nil {
			return 0, err
		}
		y, err := num(b)
		return x << y, err
	}
	return num(expr)
}

// Issue 11, Go floor: the module declares go 1.21 (go vet's stdversion check,
// run by make test-go, then rejects newer standard-library API).
func TestGoModFloor(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(src)
	if m == nil || string(m[1]) != "1.21" {
		t.Fatalf("go.mod declares go %q, want 1.21", m)
	}
	if regexp.MustCompile(`(?m)^toolchain `).Match(src) {
		t.Fatal("go.mod pins a toolchain")
	}
}

// Issue 11, public types: Error, Status and Leak are declared (with their
// documentation) in this package, not aliases of internal types, and
// errors.Is/As work on what calls return.
func TestPublicTypesDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") },
		parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range pkgs["mapcore"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, sp := range g.Specs {
				ts := sp.(*ast.TypeSpec)
				name := ts.Name.Name
				if name != "Error" && name != "Status" && name != "Leak" {
					continue
				}
				found[name] = true
				if ts.Assign.IsValid() {
					t.Errorf("%s is an alias: its documentation lives in an internal package", name)
				}
				doc := g.Doc
				if ts.Doc != nil {
					doc = ts.Doc
				}
				if doc == nil || !strings.HasPrefix(doc.Text(), name+" is") {
					t.Errorf("%s has no doc comment", name)
				}
				if st, ok := ts.Type.(*ast.StructType); ok {
					for _, fl := range st.Fields.List {
						if len(fl.Names) > 0 && fl.Names[0].IsExported() && fl.Doc == nil {
							t.Errorf("field %s.%s is not documented", name, fl.Names[0].Name)
						}
					}
				}
			}
		}
	}
	for _, n := range []string{"Error", "Status", "Leak"} {
		if !found[n] {
			t.Errorf("type %s is not declared in the package", n)
		}
	}

	lockThread(t)
	tm := openMap(t, 8, 8)
	err = tm.m.SetStyleJSON([]byte(`{"version":8,`))
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusParseError || !errors.Is(err, ErrParse) || e.Status.Sentinel() != ErrParse {
		t.Fatalf("errors.As/Is on a native failure: %#v", err)
	}
	if e.Status.String() != "PARSE_ERROR" || Status(99).String() != "UNKNOWN(99)" {
		t.Fatalf("status names %q %q", e.Status, Status(99))
	}
	tm.s.Close()
	err = tm.s.RenderStill(context.Background())
	if !errors.As(err, &e) || !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidState) || e.Status != StatusInvalidState {
		t.Fatalf("binding-side error: %#v", err)
	}
}
