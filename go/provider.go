package mapcore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// HTTPProvider serves http:// and https:// URLs with net/http and passes
// every other URL through. Each request is fetched on its own goroutine with
// a context that is cancelled when the library cancels the request. 404 and
// 410 answer "not found"; other non-2xx statuses and transport errors fail
// the request with the status or error. Bodies are handed to the library
// without copying.
type HTTPProvider struct {
	// Client is the HTTP client (nil: http.DefaultClient).
	Client *http.Client
	// UserAgent, if set, is sent as User-Agent.
	UserAgent string
	// MaxBytes bounds a response body (0: 256 MiB).
	MaxBytes int64
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
	c := p.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(hreq)
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
	limit := p.MaxBytes
	if limit <= 0 {
		limit = 256 << 20
	}
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
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
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
