package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"rotation-tutor/internal/atomicfile"
)

// progressFile is the file in the state dir that remembers how far a
// learner got. It holds choices and results, never a secret value.
const progressFile = "progress.json"

// progressVersion changes when the file's shape does; an unknown version is
// ignored (the learner starts over) rather than misread.
const progressVersion = 1

// Progress is what survives a quit: the choices, the step the learner was
// on, and each finished step's result.
type Progress struct {
	Version  int               `json:"version"`
	Kind     string            `json:"kind,omitempty"`
	Strategy string            `json:"strategy"`
	Flavour  string            `json:"flavour"`
	Current  ID                `json:"current"`
	Done     map[ID]StepRecord `json:"done"`
	Saved    time.Time         `json:"saved"`
	Extra    map[string]string `json:"extra,omitempty"` // non-secret values later steps need: the secret's ARN
}

// StepRecord is a finished step.
type StepRecord struct {
	Result Result `json:"result"`
}

func newProgress(o Options) Progress {
	return Progress{Version: progressVersion, Strategy: o.Strategy, Flavour: o.Flavour, Current: Welcome,
		Done: map[ID]StepRecord{}, Extra: map[string]string{}}
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
	if err := json.Unmarshal(b, &p); err != nil || p.Version != progressVersion {
		// A damaged or older file costs the learner their place, not the run.
		return Progress{}, false, nil
	}
	if p.Done == nil {
		p.Done = map[ID]StepRecord{}
	}
	if p.Extra == nil {
		p.Extra = map[string]string{}
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
