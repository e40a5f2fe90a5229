package secretsmanager

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"rotation-tutor/internal/atomicfile"
)

// The state file is a journal: a header line, then frames, each the changes one write made.
// A frame is a 4-byte big-endian length and AES-256-GCM(nonce, JSON batch), sealed with the
// header and the frame's position as additional data, so a frame moved, dropped from the
// middle or altered does not open. GCM both hides the values and detects a wrong key or a
// damaged file.
//
// A request that changes something is answered only once its frame is on disk (written and
// fsynced): a 200 means the change survives a crash. Requests that arrive while a frame is
// being written share the next one (group commit), so a burst of writers costs one fsync per
// round, not one each. The frames are written by one goroutine, outside the service's lock:
// readers never wait for the disk.
//
// Each frame holds what changed, not the whole state. When the file has grown to twice what
// a fresh copy of the state would take (and at least compactAt), so that at least half of it
// is changes since overtaken, the journal writes a fresh copy (a snapshot: every secret and
// version once) beside it and renames it into place. A state that only grows is never
// copied: its file is all live.
const (
	journalHeader = "rotation-tutor secretsmanager state v2\n"
	// legacyHeader marks the format before the journal: the whole state in one sealed block.
	legacyHeader = "rotation-tutor secretsmanager state v1\n"
	compactAt    = 4 << 20
	maxFrame     = 64 << 20
)

// journal appends batches of records to the state file.
type journal struct {
	path string
	aead cipher.AEAD

	// snapshot returns the records of the whole state. It takes the service's lock, queues
	// what is still unqueued, and calls take to empty the queue; so it is never called with
	// mu held.
	snapshot func() []record

	mu      sync.Mutex
	cond    *sync.Cond // signalled when written or failed moves, or a batch arrives
	pending []record   // queued, not yet written
	queued  uint64     // ticket of the last queued batch
	written uint64     // every ticket up to this one is on disk
	failed  uint64     // tickets up to this one were in a write that failed…
	failErr error      // …with this error
	rewrite bool       // the next round writes a snapshot: the file's end is not trusted
	tried   uint64     // queued when a write last failed: retry when it moves
	quit    bool
	done    chan struct{}
	file    *os.File
	frames  uint64 // frames in the file, the next frame's position
	size    int64  // bytes in the file
	live    int64  // about what a fresh copy of the state would take: compact at twice that
	total   int64  // bytes written since the start, snapshots included
	taken   uint64 // the ticket the last snapshot covers
}

func newJournal(path string, key []byte) (*journal, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("state key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("state key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("state key: %w", err)
	}
	j := &journal{path: path, aead: aead, done: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	return j, nil
}

// errMissing says the state file does not exist (a fresh state, or one deleted: the caller
// knows which).
var errMissing = errors.New("no state file")

// load reads every frame and returns the records in order. It remembers where the file
// ends, for start; a file in the old format, or ending in a torn frame, is rewritten by
// start.
func (j *journal) load() ([]record, error) {
	raw, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		j.rewrite = true
		return nil, errMissing
	}
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", j.path, err)
	}
	if rest, ok := bytes.CutPrefix(raw, []byte(legacyHeader)); ok {
		j.rewrite = true
		return j.loadLegacy(rest)
	}
	rest, ok := bytes.CutPrefix(raw, []byte(journalHeader))
	if !ok {
		return nil, fmt.Errorf("state %s: not a state file", j.path)
	}
	var recs []record
	for len(rest) > 0 {
		plain, n, err := j.openFrame(rest, j.frames)
		if err != nil {
			// Only the last frame can be torn by a crash in the middle of a write (whose
			// request was therefore never answered); anything else is damage.
			if errors.Is(err, errTorn) || n == len(rest) {
				j.rewrite = true
				return recs, nil
			}
			return nil, fmt.Errorf("state %s: frame %d: %w", j.path, j.frames, err)
		}
		var b batch
		if err := json.Unmarshal(plain, &b); err != nil {
			return nil, fmt.Errorf("state %s: frame %d: %w", j.path, j.frames, err)
		}
		recs = append(recs, b.Records...)
		rest = rest[n:]
		j.frames++
	}
	j.size = int64(len(raw))
	return recs, nil
}

var errTorn = errors.New("the frame is cut short")

// openFrame decrypts the frame at the start of buf (at position i) and returns its
// plaintext and its length on disk.
func (j *journal) openFrame(buf []byte, i uint64) ([]byte, int, error) {
	if len(buf) < 4 {
		return nil, len(buf), errTorn
	}
	n := int(binary.BigEndian.Uint32(buf))
	ns := j.aead.NonceSize()
	if n < ns || n > maxFrame {
		return nil, len(buf), fmt.Errorf("bad frame length %d", n)
	}
	if len(buf) < 4+n {
		return nil, len(buf), errTorn
	}
	frame := buf[4 : 4+n]
	plain, err := j.aead.Open(nil, frame[:ns], frame[ns:], frameAD(i))
	if err != nil {
		return nil, 4 + n, fmt.Errorf("cannot decrypt (wrong key or damaged file): %w", err)
	}
	return plain, 4 + n, nil
}

func frameAD(i uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(journalHeader), i)
}

// loadLegacy reads the old whole-state format as the records of one snapshot.
func (j *journal) loadLegacy(rest []byte) ([]record, error) {
	ns := j.aead.NonceSize()
	if len(rest) < ns {
		return nil, fmt.Errorf("state %s: not a state file", j.path)
	}
	plain, err := j.aead.Open(nil, rest[:ns], rest[ns:], []byte(legacyHeader))
	if err != nil {
		return nil, fmt.Errorf("state %s: cannot decrypt (wrong key or damaged file): %w", j.path, err)
	}
	var st struct {
		Seq     uint64    `json:"seq"`
		Secrets []*secret `json:"secrets"`
	}
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("state %s: %w", j.path, err)
	}
	recs := []record{{Seq: st.Seq}}
	for _, sec := range st.Secrets {
		if sec == nil || sec.Name == "" || sec.ARN == "" {
			continue
		}
		recs = append(recs, secretRecords(sec)...)
	}
	return recs, nil
}

// start opens the file for appending (writing a fresh snapshot first when load found none,
// or found one to rewrite) and starts the writer.
func (j *journal) start() error {
	if j.rewrite {
		if err := j.compact(); err != nil {
			return err
		}
	} else {
		f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("open state %s: %w", j.path, err)
		}
		j.file = f
	}
	go j.loop()
	return nil
}

// enqueue queues a batch and returns its ticket; the caller holds the service's lock, so
// batches are queued in the order their changes were made. live is about what a fresh copy
// of the state would take now.
func (j *journal) enqueue(recs []record, live int64) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.live = live
	if len(recs) > 0 {
		j.pending = append(j.pending, recs...)
		j.queued++
		j.cond.Broadcast()
	}
	return j.queued
}

// wait blocks until ticket t is on disk, or reports why it is not.
func (j *journal) wait(t uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.written < t {
		if j.failed >= t {
			return j.failErr
		}
		j.cond.Wait()
	}
	return nil
}

// loop writes what is queued, one frame per round, until stop.
func (j *journal) loop() {
	defer close(j.done)
	j.mu.Lock()
	defer j.mu.Unlock()
	for {
		for !j.quit && (len(j.pending) == 0 || j.queued == j.tried) {
			j.cond.Wait()
		}
		if len(j.pending) == 0 && !j.rewrite {
			return // quit, and nothing left
		}
		upTo := j.queued
		var err error
		if j.rewrite || j.size > max(compactAt, 2*j.live) {
			// The snapshot takes the queue: every change queued so far is in it.
			j.mu.Unlock()
			err = j.compact()
			j.mu.Lock()
		} else {
			recs := j.pending
			j.pending = nil
			j.mu.Unlock()
			err = j.append(recs)
			j.mu.Lock()
			if err != nil {
				// The file's end may hold part of the frame: write it all again.
				j.rewrite = true
			}
		}
		if err != nil {
			j.failed, j.failErr, j.tried = upTo, err, upTo
			j.cond.Broadcast()
			if j.quit {
				return
			}
			continue // once something new is queued
		}
		j.written = max(j.written, upTo)
		j.cond.Broadcast()
	}
}

// append seals recs as one frame, appends it and fsyncs; only the writer's goroutine calls
// it, without mu, which it takes only to count. On failure the file is cut back to where it
// was, and the caller has the next round write a fresh copy in any case.
func (j *journal) append(recs []record) error {
	frame, err := j.seal(batch{Records: recs}, j.frames)
	if err != nil {
		return err
	}
	if _, err = j.file.Write(frame); err == nil {
		err = j.file.Sync()
	}
	if err != nil {
		_ = j.file.Truncate(j.size)
		return fmt.Errorf("write state %s: %w", j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.frames++
	j.size += int64(len(frame))
	j.total += int64(len(frame))
	return nil
}

func (j *journal) seal(b batch, i uint64) ([]byte, error) {
	plain, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	nonce := make([]byte, j.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := make([]byte, 4, 4+len(nonce)+len(plain)+j.aead.Overhead())
	out = append(out, nonce...)
	out = j.aead.Seal(out, nonce, plain, frameAD(i))
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

// compact replaces the file with one snapshot frame of the whole state (temp file, fsync,
// rename) and appends to it from then on. Whatever was queued when the snapshot was taken
// is in it, so those tickets count as written.
func (j *journal) compact() error {
	recs := j.snapshot()
	j.mu.Lock()
	upTo := j.taken
	j.mu.Unlock()
	frame, err := j.seal(batch{Records: recs}, 0)
	if err != nil {
		return err
	}
	data := append([]byte(journalHeader), frame...)
	if err := atomicfile.Write(j.path, data); err != nil {
		return fmt.Errorf("write state %s: %w", j.path, err)
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open state %s: %w", j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.file != nil {
		j.file.Close()
	}
	j.file, j.frames, j.rewrite = f, 1, false
	j.size = int64(len(data))
	j.total += int64(len(data))
	j.written = max(j.written, upTo)
	j.cond.Broadcast()
	return nil
}

// take empties the queue into a snapshot being taken; the service calls it from snapshot,
// holding its lock, so nothing is queued meanwhile.
func (j *journal) take() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.pending = nil
	j.taken = j.queued
}

// stop writes what is queued and closes the file; it reports a write that never succeeded.
func (j *journal) stop() error {
	j.mu.Lock()
	j.quit = true
	j.cond.Broadcast()
	j.mu.Unlock()
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	var err error
	if len(j.pending) > 0 || j.rewrite {
		err = j.failErr
	}
	if j.file != nil {
		if cerr := j.file.Close(); err == nil {
			err = cerr
		}
		j.file = nil
	}
	return err
}

// bytesWritten is how many bytes the journal has written to disk since it started.
func (j *journal) bytesWritten() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.total
}
