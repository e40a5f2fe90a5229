package secretsmanager

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"rotation-tutor/internal/atomicfile"
)

// The state file: a header line, then AES-256-GCM(nonce, JSON state) with
// the header as additional data. GCM both hides the values and detects a
// wrong key or a damaged file.
const stateHeader = "rotation-tutor secretsmanager state v1\n"

type stateFile struct {
	Seq     uint64    `json:"seq"`
	Secrets []*secret `json:"secrets"`
}

// persister writes the state in the background. Writes coalesce: however
// many changes arrive while a write is running, one more write follows. A
// request therefore never waits for fsync; the price is that a crash (not a
// clean Close, which flushes) can lose the last few milliseconds of changes.
type persister struct {
	path string
	aead cipher.AEAD

	dirty    chan struct{} // capacity 1: "something changed since the last write"
	quit     chan struct{}
	done     chan struct{}
	snapshot func() (gen uint64, data []byte, err error)

	mu      sync.Mutex
	err     error  // last write error, reported by stop
	written uint64 // generation last written
}

func newPersister(path string, key []byte) (*persister, error) {
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
	return &persister{path: path, aead: aead}, nil
}

// load reads and decrypts the state; a missing file is an empty state.
func (p *persister) load() (*stateFile, error) {
	raw, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &stateFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state %s: %w", p.path, err)
	}
	rest, ok := bytes.CutPrefix(raw, []byte(stateHeader))
	ns := p.aead.NonceSize()
	if !ok || len(rest) < ns {
		return nil, fmt.Errorf("state %s: not a state file", p.path)
	}
	plain, err := p.aead.Open(nil, rest[:ns], rest[ns:], []byte(stateHeader))
	if err != nil {
		return nil, fmt.Errorf("state %s: cannot decrypt (wrong key or damaged file): %w", p.path, err)
	}
	var st stateFile
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("state %s: %w", p.path, err)
	}
	return &st, nil
}

func (p *persister) start(snapshot func() (uint64, []byte, error)) {
	p.snapshot = snapshot
	p.dirty = make(chan struct{}, 1)
	p.quit = make(chan struct{})
	p.done = make(chan struct{})
	go p.loop()
}

// poke marks the state dirty without ever blocking the caller.
func (p *persister) poke() {
	select {
	case p.dirty <- struct{}{}:
	default:
	}
}

func (p *persister) loop() {
	defer close(p.done)
	for {
		select {
		case <-p.dirty:
			p.flush()
		case <-p.quit:
			p.flush()
			return
		}
	}
}

// stop writes whatever is not yet written and ends the writer.
func (p *persister) stop() error {
	close(p.quit)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *persister) flush() {
	gen, data, err := p.snapshot()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil && gen == p.written {
		return
	}
	if err == nil {
		err = p.write(data)
	}
	if err != nil {
		p.err = err
		return
	}
	p.err = nil
	p.written = gen
}

// write encrypts data and replaces the file atomically (0600; temp file, fsync, rename).
func (p *persister) write(data []byte) error {
	nonce := make([]byte, p.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := append([]byte(stateHeader), nonce...)
	out = p.aead.Seal(out, nonce, data, []byte(stateHeader))

	if err := atomicfile.Write(p.path, out); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// snapshot serialises the state under the lock.
func (s *Service) snapshot() (uint64, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stateFile{Seq: s.seq, Secrets: make([]*secret, 0, len(s.secrets))}
	for _, sec := range s.secrets {
		st.Secrets = append(st.Secrets, sec)
	}
	data, err := json.Marshal(st)
	if err != nil {
		return 0, nil, fmt.Errorf("encode state: %w", err)
	}
	return s.gen, data, nil
}

// restore installs a loaded state; called by New before anything runs.
func (s *Service) restore(st *stateFile) {
	s.seq = st.Seq
	for _, sec := range st.Secrets {
		if sec == nil || sec.Name == "" || sec.ARN == "" {
			continue
		}
		if sec.Versions == nil {
			sec.Versions = map[string]*version{}
		}
		for id, v := range sec.Versions {
			if v == nil {
				delete(sec.Versions, id)
				continue
			}
			v.ID = id
			if v.Seq > s.seq {
				s.seq = v.Seq
			}
		}
		if sec.Seq > s.seq {
			s.seq = sec.Seq
		}
		s.secrets[sec.Name] = sec
		s.byARN[sec.ARN] = sec
	}
}
