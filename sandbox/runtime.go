package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"rotation-tutor/internal/atomicfile"
)

// A running sandbox holds the lock on its state directory, so a second one
// cannot start there. Commands a learner runs from another shell while the
// walkthrough runs (doctor, sandbox) attach to the running one instead: it
// publishes what a client needs in a runtime file beside the lock, readable
// only by its user and removed when it stops. It holds the sandbox's access
// key, which aws-credentials beside it holds too (for the commands the
// sandbox prints), and only while the sandbox runs. The file is not state: nothing
// reads it at start, and a crash leaves it behind harmlessly (the lock is
// gone, so Attach ignores it).
const runtimeFile = "runtime.json"

var errStateLocked = errors.New("the state directory is locked")

// publish writes the runtime file and returns what removes it.
func publish(dir string, in Info) (func(), error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("sandbox: runtime file: %w", err)
	}
	path := filepath.Join(dir, runtimeFile)
	if err := atomicfile.Write(path, b); err != nil {
		return nil, fmt.Errorf("sandbox: runtime file: %w", err)
	}
	return func() { _ = os.Remove(path) }, nil
}

// Attach returns the Info of the sandbox running on dir, if one runs there
// (in this process or another): ok false when none does.
func Attach(dir string) (in Info, ok bool, err error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return Info{}, false, nil
	}
	release, err := lockState(dir)
	if err == nil {
		release()
		return Info{}, false, nil
	}
	if !errors.Is(err, errStateLocked) {
		return Info{}, false, err
	}
	b, err := os.ReadFile(filepath.Join(dir, runtimeFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, false, fmt.Errorf("sandbox: a sandbox is starting in %s; try again in a moment", dir)
	}
	if err != nil {
		return Info{}, false, fmt.Errorf("sandbox: read %s: %w", runtimeFile, err)
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return Info{}, false, fmt.Errorf("sandbox: %s is damaged: %w", runtimeFile, err)
	}
	return in, true, nil
}
