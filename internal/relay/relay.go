// Package relay copies between two ends of a forwarded connection (the bastion's channels,
// the tunnel's), with buffers used again instead of made per copy: io.Copy makes a 32 KiB
// buffer each time, four per login through the bastion, which a workshop server's simulated
// clients do thousands of times a second.
package relay

import (
	"io"
	"sync"
)

// bufSize is io.Copy's own: the most one read of an SSH channel returns.
const bufSize = 32 << 10

var buffers = sync.Pool{New: func() any { return new([bufSize]byte) }}

// Copy is io.Copy with a pooled buffer.
func Copy(dst io.Writer, src io.Reader) (int64, error) {
	buf := buffers.Get().(*[bufSize]byte)
	defer buffers.Put(buf)
	return io.CopyBuffer(dst, src, buf[:])
}
