package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"rotation-tutor/internal/atomicfile"
	"rotation-tutor/rotation"
)

// progressFile is the file in the state dir that remembers where a learner
// is. It is a bookmark: the choices, the step on screen, and which steps were
// run. Results are never kept in it: a screen reads them from the world.
const progressFile = "progress.json"

// progressVersion changes when the file's shape does. Version 1 also kept
// each step's result; its bookmark part is still read.
const progressVersion = 2

// Progress is what survives a quit.
type Progress struct {
	Version  int               `json:"version"`
	Kind     string            `json:"kind,omitempty"`
	Strategy rotation.Strategy `json:"strategy"`
	Flavour  string            `json:"flavour"`
	Current  ID                `json:"current"`
	Done     []ID              `json:"done"` // the steps run at least once, in the walkthrough's order
	Saved    time.Time         `json:"saved"`
}

// Ran says whether step id was run at least once.
func (p Progress) Ran(id ID) bool { return slices.Contains(p.Done, id) }

func (p Progress) clone() Progress {
	p.Done = slices.Clone(p.Done)
	return p
}

// progressStore holds the bookmark and writes it to disk on a goroutine of
// its own, so that no screen change waits for a file to be synced. It keeps
// only the latest state: changes made while a write runs are written next.
type progressStore struct {
	dir string

	mu sync.Mutex
	p  Progress

	dirty chan struct{} // holds one token while a write is wanted
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

func openProgress(dir string, reset bool) (*progressStore, error) {
	ps := &progressStore{dir: dir, p: Progress{Version: progressVersion, Strategy: rotation.AlternatingUsers,
		Flavour: FlavourCurrent, Current: Welcome}, dirty: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if reset {
		if err := ResetProgress(dir); err != nil {
			return nil, err
		}
	} else if p, ok, err := LoadProgress(dir); err != nil {
		return nil, err
	} else if ok {
		ps.p = p
	}
	go ps.write()
	return ps, nil
}

// get returns a copy of the bookmark.
func (ps *progressStore) get() Progress {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.p.clone()
}

// update changes the bookmark and asks the writer to save it.
func (ps *progressStore) update(change func(p *Progress)) {
	ps.mu.Lock()
	change(&ps.p)
	ps.mu.Unlock()
	select {
	case ps.dirty <- struct{}{}:
	default: // a write is already wanted; it will take this change too
	}
}

func (ps *progressStore) write() {
	defer close(ps.done)
	for {
		select {
		case <-ps.dirty:
			ps.save()
		case <-ps.stop:
			select {
			case <-ps.dirty:
				ps.save()
			default:
			}
			return
		}
	}
}

func (ps *progressStore) save() {
	p := ps.get()
	p.Saved = time.Now()
	_ = SaveProgress(ps.dir, p) // progress is a convenience: a write error must not stop the tutorial
}

// close writes what is not yet written and stops the writer.
func (ps *progressStore) close() {
	ps.once.Do(func() { close(ps.stop) })
	<-ps.done
}

// LoadProgress reads the progress file in dir. A missing file is not an
// error: it returns ok false.
func LoadProgress(dir string) (p Progress, ok bool, err error) {
	if dir == "" {
		return Progress{}, false, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, progressFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Progress{}, false, nil
	}
	if err != nil {
		return Progress{}, false, fmt.Errorf("read progress: %w", err)
	}
	var raw struct {
		Version  int             `json:"version"`
		Kind     string          `json:"kind"`
		Strategy string          `json:"strategy"`
		Flavour  string          `json:"flavour"`
		Current  ID              `json:"current"`
		Done     json.RawMessage `json:"done"`
		Saved    time.Time       `json:"saved"`
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw.Version < 1 || raw.Version > progressVersion {
		// A damaged or unknown file costs the learner their place, not the run.
		return Progress{}, false, nil
	}
	p = Progress{Version: progressVersion, Kind: raw.Kind, Flavour: raw.Flavour, Current: raw.Current, Saved: raw.Saved}
	if p.Strategy, err = rotation.ParseStrategy(raw.Strategy); err != nil {
		p.Strategy = rotation.AlternatingUsers
	}
	if p.Flavour != FlavourClassic {
		p.Flavour = FlavourCurrent
	}
	if Index(p.Current) < 0 {
		p.Current = Welcome
	}
	var done []ID
	if json.Unmarshal(raw.Done, &done) != nil {
		var v1 map[ID]json.RawMessage // version 1: each step's result, by id
		_ = json.Unmarshal(raw.Done, &v1)
		for id := range v1 {
			done = append(done, id)
		}
	}
	for _, st := range All() {
		if slices.Contains(done, st.ID) {
			p.Done = append(p.Done, st.ID)
		}
	}
	return p, true, nil
}

// SaveProgress writes p to dir atomically (temp file, fsync, rename) with
// mode 0600: the file names the learner's resources.
func SaveProgress(dir string, p Progress) error {
	if dir == "" {
		return nil
	}
	p.Version = progressVersion
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, progressFile), b); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// ResetProgress removes the progress file, so the next start is fresh.
func ResetProgress(dir string) error {
	if dir == "" {
		return nil
	}
	err := os.Remove(filepath.Join(dir, progressFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
