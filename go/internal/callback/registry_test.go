package callback

import (
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	var r Registry
	var wg sync.WaitGroup
	toks := make([]Token, 100)
	for i := range toks {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			toks[i] = r.Register(i)
		}(i)
	}
	wg.Wait()
	seen := map[Token]bool{}
	for i, tok := range toks {
		if tok == 0 || seen[tok] {
			t.Fatalf("token %d reused or zero", tok)
		}
		seen[tok] = true
		if v, ok := r.Get(tok); !ok || v.(int) != i {
			t.Fatalf("Get(%d) = %v %v", tok, v, ok)
		}
	}
	if v, ok := r.Take(toks[0]); !ok || v.(int) != 0 {
		t.Fatal("Take")
	}
	if _, ok := r.Get(toks[0]); ok {
		t.Fatal("value still registered after Take")
	}
}

func TestCellLookup(t *testing.T) {
	c := NewCell("value")
	v, ok := lookup(c.Ptr())
	if !ok || v.(string) != "value" {
		t.Fatalf("lookup through the C cell: %v %v", v, ok)
	}
	tok := c.tok
	c.Free()
	c.Free() // idempotent
	if _, ok := Global.Get(tok); ok {
		t.Fatal("value still registered after Free")
	}
	if _, ok := lookup(nil); ok {
		t.Fatal("nil cell resolved")
	}
}
