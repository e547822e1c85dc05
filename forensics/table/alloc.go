package table

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// PoolAllocator is an Arrow allocator that recycles buffers in power-of-two
// size classes. Every batch of the ingest builds the same columns again;
// reusing their buffers saves the allocation, the zeroing and the garbage
// collection of hundreds of megabytes per gigabyte of log. Buffers come
// back uninitialised: Arrow's builders set every byte they later read
// (validity bitmaps are zeroed by the builders themselves).
type PoolAllocator struct {
	classes [48]sync.Pool
	// Poison fills every buffer with 0xA5 when it is handed out and again
	// when it is given back, so a test shows that nothing reads bytes it
	// did not write, nor keeps (a string into) a buffer past its batch.
	Poison bool
}

var _ memory.Allocator = (*PoolAllocator)(nil)

// Pool is the allocator the ingest uses.
var Pool = &PoolAllocator{}

const minClass = 12 // 4 KiB; smaller buffers go to the Go allocator

func class(size int) int {
	if size <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns a 64-byte aligned buffer of size bytes.
func (p *PoolAllocator) Allocate(size int) []byte {
	c := class(size)
	var b []byte
	if v := p.classes[c].Get(); v != nil {
		b = (*(v.(*[]byte)))[:size]
	} else {
		buf := make([]byte, 1<<c+64)
		off := 0
		if rem := uintptr(unsafe.Pointer(&buf[0])) % 64; rem != 0 {
			off = int(64 - rem)
		}
		b = buf[off : off+size : off+1<<c]
	}
	if p.Poison {
		for i := range b[:cap(b)] {
			b[:cap(b)][i] = 0xa5
		}
	}
	return b
}

// Reallocate grows b to size, keeping its content.
func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free gives a buffer back to its class.
func (p *PoolAllocator) Free(b []byte) {
	c := cap(b)
	if c < 1<<minClass || c&(c-1) != 0 {
		return // not one of ours
	}
	b = b[:0:c]
	if p.Poison {
		for i := range b[:c] {
			b[:c][i] = 0xa5
		}
	}
	p.classes[bits.Len(uint(c))-1].Put(&b)
}
