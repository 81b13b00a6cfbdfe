package mapcore

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// HTTPProvider serves http:// and https:// URLs with net/http and passes
// every other URL through. Each request is fetched on its own goroutine with
// a context that is cancelled when the library cancels the request. 404 and
// 410 answer "not found"; other non-2xx statuses and transport errors fail
// the request with the status or error. Bodies are handed to the library
// without copying.
//
// A request with a byte range (remote PMTiles archives: see
// [ResourceInfo].Range) is sent with `Range: bytes=FIRST-LAST`; a 206
// answer's body is the range (a body longer than the range, or a
// Content-Range starting elsewhere, fails the request), and a 200 answer
// (a server that ignores Range) is read up to the range's end and sliced
// (at most MaxBytes). 416 fails the request ("range not satisfiable").
// Ranges of archive headers and directories (ResourceSource) are kept in a
// small LRU cache, shared by the runtimes using this provider.
type HTTPProvider struct {
	// Client is the HTTP client (nil: http.DefaultClient).
	Client *http.Client
	// UserAgent, if set, is sent as User-Agent.
	UserAgent string
	// MaxBytes bounds a response body (0: 256 MiB).
	MaxBytes int64
	// RangeCacheBytes bounds the cache of archive header and directory
	// ranges (0: 16 MiB; negative: no cache).
	RangeCacheBytes int64

	ranges rangeCache
}

// ProvideResource implements ResourceProvider.
func (p *HTTPProvider) ProvideResource(req *ResourceRequestHandle) bool {
	u := req.URL()
	if !hasScheme(u, "http") && !hasScheme(u, "https") {
		return false
	}
	go p.fetch(req)
	return true
}

// failRequest fails req with err's message. Fail refuses a message with a
// NUL byte (C strings cannot carry one) and leaves the request open, so the
// NULs are escaped; if failing still does not work, the request is closed
// (the library then fails it itself), so it is never left unanswered.
func failRequest(req *ResourceRequestHandle, err error) {
	if req.Fail(err) == nil {
		return
	}
	msg := "resource request failed"
	if err != nil {
		msg = strings.ReplaceAll(err.Error(), "\x00", `\x00`)
	}
	if req.Fail(errors.New(msg)) != nil {
		_ = req.Close()
	}
}

func hasScheme(u, scheme string) bool {
	return len(u) > len(scheme)+3 && strings.EqualFold(u[:len(scheme)], scheme) && u[len(scheme):len(scheme)+3] == "://"
}

func (p *HTTPProvider) fetch(req *ResourceRequestHandle) {
	hreq, err := http.NewRequestWithContext(req.Context(), http.MethodGet, req.URL(), nil)
	if err != nil {
		failRequest(req, err)
		return
	}
	if p.UserAgent != "" {
		hreq.Header.Set("User-Agent", p.UserAgent)
	}
	if rg := req.Range(); rg.IsSet() {
		p.fetchRange(req, hreq, rg)
		return
	}
	resp, err := p.client().Do(hreq)
	if err != nil {
		failRequest(req, err)
		return
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		_ = req.NotFound()
		return
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		failRequest(req, fmt.Errorf("HTTP %s", resp.Status))
		return
	}
	limit := p.limit()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		failRequest(req, fmt.Errorf("reading %s: %w", req.URL(), err))
		return
	}
	if int64(len(body)) > limit {
		failRequest(req, fmt.Errorf("response larger than %d bytes", limit))
		return
	}
	_ = req.CompleteNoCopy(body)
}

func (p *HTTPProvider) limit() int64 {
	if p.MaxBytes <= 0 {
		return 256 << 20
	}
	return p.MaxBytes
}

func (p *HTTPProvider) client() *http.Client {
	if p.Client == nil {
		return http.DefaultClient
	}
	return p.Client
}

// fetchRange answers a range request (see HTTPProvider).
func (p *HTTPProvider) fetchRange(req *ResourceRequestHandle, hreq *http.Request, rg ByteRange) {
	cacheable := req.Kind() == ResourceSource && p.RangeCacheBytes >= 0
	key := rangeKey{url: req.URL(), rg: rg}
	if cacheable {
		if b, ok := p.ranges.get(key); ok {
			_ = req.Complete(b)
			return
		}
	}
	body, err := p.getRange(hreq, rg)
	switch {
	case errors.Is(err, errNotFound):
		_ = req.NotFound()
	case err != nil:
		failRequest(req, err)
	default:
		if cacheable {
			max := p.RangeCacheBytes
			if max == 0 {
				max = 16 << 20
			}
			p.ranges.put(key, body, max)
		}
		_ = req.CompleteNoCopy(body)
	}
}

var errNotFound = errors.New("not found")

// getRange fetches rg of hreq's URL: the range's bytes (fewer only at the
// end of the resource).
func (p *HTTPProvider) getRange(hreq *http.Request, rg ByteRange) ([]byte, error) {
	last := rg.End() - 1
	if rg.End() < rg.Offset { // overflow
		return nil, fmt.Errorf("byte range %d+%d overflows", rg.Offset, rg.Length)
	}
	hreq.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", rg.Offset, last))
	resp, err := p.client().Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	what := fmt.Sprintf("%s bytes %d-%d", hreq.URL, rg.Offset, last)
	limit := p.limit()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if cr := resp.Header.Get("Content-Range"); cr != "" {
			var first, end uint64
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/", &first, &end); err != nil || first != rg.Offset {
				return nil, fmt.Errorf("%s: the server answered Content-Range %q", what, cr)
			}
		}
		if rg.Length > uint64(limit) {
			return nil, fmt.Errorf("%s: range larger than %d bytes", what, limit)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, int64(rg.Length)+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		if uint64(len(body)) > rg.Length {
			return nil, fmt.Errorf("%s: the server sent more than the %d bytes asked for", what, rg.Length)
		}
		return body, nil
	case http.StatusOK:
		// Range ignored: the whole resource; read up to the range's end.
		if rg.End() > uint64(limit) {
			return nil, fmt.Errorf("%s: the server ignored the Range header and the range ends beyond %d bytes (MaxBytes)", what, limit)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, int64(rg.End())))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", what, err)
		}
		if uint64(len(body)) <= rg.Offset {
			return nil, fmt.Errorf("%s: range not satisfiable (the server ignored the Range header; its body has %d bytes)", what, len(body))
		}
		return body[rg.Offset:], nil
	case http.StatusRequestedRangeNotSatisfiable:
		return nil, fmt.Errorf("%s: range not satisfiable (HTTP %s)", what, resp.Status)
	case http.StatusNotFound, http.StatusGone:
		return nil, errNotFound
	default:
		return nil, fmt.Errorf("%s: HTTP %s", what, resp.Status)
	}
}

type rangeKey struct {
	url string
	rg  ByteRange
}

// rangeCache is a small LRU of range bodies, bounded by bytes.
type rangeCache struct {
	mu    sync.Mutex
	order *list.List // of *rangeEntry, most recent first
	byKey map[rangeKey]*list.Element
	bytes int64
}

type rangeEntry struct {
	key  rangeKey
	body []byte
}

func (c *rangeCache) get(k rangeKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*rangeEntry).body, true
	}
	return nil, false
}

// put keeps body (never modified afterwards: it is handed to the library
// without copying, and Complete copies it for hits).
func (c *rangeCache) put(k rangeKey, body []byte, max int64) {
	if int64(len(body)) > max/4 {
		return // too big to be worth keeping
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.byKey = map[rangeKey]*list.Element{}
		c.order = list.New()
	}
	if _, ok := c.byKey[k]; ok {
		return
	}
	c.byKey[k] = c.order.PushFront(&rangeEntry{key: k, body: body})
	c.bytes += int64(len(body))
	for c.bytes > max {
		last := c.order.Back()
		e := last.Value.(*rangeEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.bytes -= int64(len(e.body))
	}
}

// DirProvider serves URLs of the form scheme://PATH from files under dir
// (e.g. DirProvider("local", "assets") maps local://tiles/1-0-0.mvt to
// assets/tiles/1-0-0.mvt) and passes every other URL through. It reads the
// file synchronously in the provider call. A missing file answers "not
// found"; a path leaving dir fails.
func DirProvider(scheme, dir string) ResourceProvider {
	return PrefixProvider(scheme+"://", dir)
}

// PrefixProvider serves URLs that start with prefix from files under dir
// (PrefixProvider("http://localhost:2900/", "assets") maps
// http://localhost:2900/tiles/a.mvt to assets/tiles/a.mvt) and passes every
// other URL through; otherwise as DirProvider. The path is percent-decoded.
// A request with a byte range (remote PMTiles) is answered with the range's
// bytes (fewer at the end of the file; a range past the end fails).
func PrefixProvider(prefix, dir string) ResourceProvider {
	return ResourceProviderFunc(func(req *ResourceRequestHandle) bool {
		u := req.URL()
		if !strings.HasPrefix(u, prefix) {
			return false
		}
		rel := u[len(prefix):]
		if i := strings.IndexAny(rel, "?#"); i >= 0 {
			rel = rel[:i]
		}
		// The path is percent-encoded in the URL (a glyph URL's font stack
		// "Open Sans Bold" arrives as Open%20Sans%20Bold).
		if p, err := url.PathUnescape(rel); err == nil {
			rel = p
		} else {
			failRequest(req, fmt.Errorf("%s: bad percent-encoding: %w", u, err))
			return true
		}
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			failRequest(req, fmt.Errorf("%s: path leaves the asset folder", u))
			return true
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		var data []byte
		var err error
		if rg := req.Range(); rg.IsSet() {
			data, err = readRange(path, rg)
		} else {
			data, err = os.ReadFile(path)
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			_ = req.NotFound()
		case err != nil:
			failRequest(req, err)
		default:
			_ = req.CompleteNoCopy(data)
		}
		return true
	})
}

// readRange reads rg of the file at path.
func readRange(path string, rg ByteRange) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := uint64(st.Size())
	if !st.Mode().IsRegular() || rg.Offset >= size {
		return nil, fmt.Errorf("%s: range not satisfiable (bytes %d-%d of a %d byte file)", path, rg.Offset, rg.End()-1, size)
	}
	n := min(rg.Length, size-rg.Offset)
	if n > 256<<20 {
		return nil, fmt.Errorf("%s: a range of %d bytes is too large", path, n)
	}
	buf := make([]byte, n)
	k, err := f.ReadAt(buf, int64(rg.Offset))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:k], nil
}

// ChainProviders asks each provider in turn; the first that takes a request
// serves it. Nil entries are skipped.
func ChainProviders(ps ...ResourceProvider) ResourceProvider {
	return ResourceProviderFunc(func(req *ResourceRequestHandle) bool {
		for _, p := range ps {
			if p != nil && p.ProvideResource(req) {
				return true
			}
		}
		return false
	})
}
