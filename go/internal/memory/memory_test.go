package memory

import (
	"errors"
	"runtime"
	"testing"
	"unsafe"
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
	buf := make([]byte, 64)
	p := Pin(buf)
	addr := uintptr(unsafe.Pointer(&p.Bytes()[0]))
	runtime.GC()
	if uintptr(unsafe.Pointer(&buf[0])) != addr {
		t.Fatal("pinned buffer moved")
	}
	p.Unpin()
	if p.Bytes() != nil {
		t.Fatal("Unpin kept the slice")
	}
}
