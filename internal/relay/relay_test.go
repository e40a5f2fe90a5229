package relay

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// onlyReader and onlyWriter hide bytes.Buffer's and strings.Reader's fast paths, as an SSH
// channel has none, so the copy goes through the pooled buffer.
type onlyReader struct{ io.Reader }
type onlyWriter struct{ io.Writer }

func TestCopyMovesEverythingAndUsesItsBufferAgain(t *testing.T) {
	in := strings.Repeat("0123456789abcdef", 5000) // more than one buffer
	for range 3 {
		var out bytes.Buffer
		n, err := Copy(onlyWriter{&out}, onlyReader{strings.NewReader(in)})
		if err != nil || n != int64(len(in)) || out.String() != in {
			t.Fatalf("copied %d of %d bytes, err %v, same %v", n, len(in), err, out.String() == in)
		}
	}
	r := strings.NewReader("")
	var src io.Reader = onlyReader{r}
	var dst io.Writer = onlyWriter{io.Discard}
	if allocs := testing.AllocsPerRun(20, func() {
		r.Reset("a login's few packets")
		_, _ = Copy(dst, src)
	}); allocs > 0 {
		t.Errorf("%.0f allocations a copy: the buffer is made each time", allocs)
	}
}
