package memory

import (
	"errors"
	"runtime"
	"testing"
)

func TestCStringRejectsNUL(t *testing.T) {
	p, err := CString("ab\x00c")
	var ne *NULError
	if p != nil || !errors.Is(err, ErrNUL) || !errors.As(err, &ne) || ne.Index != 2 {
		t.Fatalf("CString with NUL: %v %v", p, err)
	}
	p, err = CString("héllo")
	if err != nil {
		t.Fatal(err)
	}
	defer Free(p)
	if got := string(Bytes(p, 7)); got != "héllo\x00" {
		t.Fatalf("C copy %q", got)
	}
}

func TestCellAndPin(t *testing.T) {
	c := NewCell(12345)
	defer Free(c)
	if CellValue(c) != 12345 || CellValue(nil) != 0 {
		t.Fatal("cell value")
	}
	before := LivePins()
	buf := make([]byte, 64)
	p := Pin(buf, 7)
	if LivePins() != before+1 || PinsHeldBy(7) != 1 {
		t.Fatalf("live pins %d (before %d), held by 7: %d", LivePins(), before, PinsHeldBy(7))
	}
	p.SetHolder(8)
	if PinsHeldBy(7) != 0 || PinsHeldBy(8) != 1 {
		t.Fatal("SetHolder did not move the pin")
	}
	p.Unpin()
	p.Unpin() // idempotent
	if p.Bytes() != nil || LivePins() != before || PinsHeldBy(8) != 0 {
		t.Fatalf("after Unpin: bytes %v, live pins %d (before %d)", p.Bytes(), LivePins(), before)
	}
}

// A Pinned whose only owner became garbage while it pins stays in the
// registry: Go's Pinner finalizer never sees it (it would panic and kill the
// process), and the counter still shows it.
func TestLeakedPinStaysRegistered(t *testing.T) {
	before := LivePins()
	func() {
		p := Pin(make([]byte, 32), 99)
		_ = p
	}()
	for i := 0; i < 5; i++ {
		runtime.GC()
	}
	if LivePins() != before+1 || PinsHeldBy(99) != 1 {
		t.Fatalf("leaked pin not registered: live %d (before %d)", LivePins(), before)
	}
	pinMu.Lock()
	var leaked *Pinned
	for p, h := range pins {
		if h == 99 {
			leaked = p
		}
	}
	pinMu.Unlock()
	leaked.Unpin()
}
