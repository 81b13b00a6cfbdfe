package main

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// cached is an encoded response body with its validator.
type cached struct {
	body        []byte
	contentType string
	etag        string
}

func newCached(body []byte, contentType string) *cached {
	sum := sha256.Sum256(body)
	return &cached{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// cacheOverhead is what one entry costs beyond its body and key (list
// element, map slot, strings), counted against the budget.
const cacheOverhead = 160

// lruCache holds encoded responses up to a byte budget, evicting the least
// recently used. Safe for concurrent use.
type lruCache struct {
	mu        sync.Mutex
	budget    int64
	used      int64
	ll        *list.List
	items     map[string]*list.Element
	evictions int64
}

type lruEntry struct {
	key string
	val *cached
}

func newLRU(budget int64) *lruCache {
	return &lruCache{budget: budget, ll: list.New(), items: map[string]*list.Element{}}
}

func entrySize(key string, v *cached) int64 {
	return int64(len(key)+len(v.body)+len(v.etag)+len(v.contentType)) + cacheOverhead
}

func (c *lruCache) get(key string) (*cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*lruEntry).val, true
}

// put stores v under key; an entry larger than the whole budget is not kept.
func (c *lruCache) put(key string, v *cached) {
	size := entrySize(key, v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget {
		return
	}
	if e, ok := c.items[key]; ok {
		old := e.Value.(*lruEntry)
		c.used -= entrySize(key, old.val)
		old.val = v
		c.used += size
		c.ll.MoveToFront(e)
	} else {
		c.items[key] = c.ll.PushFront(&lruEntry{key, v})
		c.used += size
	}
	for c.used > c.budget {
		last := c.ll.Back()
		le := last.Value.(*lruEntry)
		c.ll.Remove(last)
		delete(c.items, le.key)
		c.used -= entrySize(le.key, le.val)
		c.evictions++
	}
}

// stats: bytes used, entries, evictions so far.
func (c *lruCache) stats() (used int64, entries int, evictions int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.items), c.evictions
}
