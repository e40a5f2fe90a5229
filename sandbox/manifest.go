package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"rotation-tutor/internal/atomicfile"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
)

// The state directory's files that hold data: losing one loses something a learner made
// (secrets, the database's users) or changes the sandbox's identity (names, keys). The
// manifest lists the ones a start has made, so that a later start refuses a directory that
// has lost one, as clearly as it refuses a damaged one, instead of quietly making a new,
// empty one in its place. Files a start writes afresh every time (known_hosts, ports.json,
// aws-credentials, the public key) are not data and are not listed.
const (
	manifestFile = "manifest.json"
	identityFile = "sandbox.json"
	stateKeyFile = "state.key"
	secretsFile  = "secretsmanager.state"
	clientKey    = "id_ed25519"
)

var (
	hostKeyFile = filepath.Join("bastion", bastion.HostKeyFile)
	usersFile   = filepath.Join("database", database.UsersFile)
	// dataFiles are every file the manifest may list; the first five exist after any start
	// (the databases' users files only with the embedded engine, the older tutorial's once
	// its instance first started).
	dataFiles = []string{identityFile, stateKeyFile, secretsFile, clientKey, hostKeyFile, usersFile,
		filepath.Join(classicDataDir, database.UsersFile)}
)

type manifest struct {
	Files []string `json:"files"`
}

// checkManifest refuses a state directory that lacks a file it should hold. A directory
// written before manifests existed (or whose manifest went) is held to the files every
// start makes.
func checkManifest(dir string) error {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	switch {
	case err == nil:
		if json.Unmarshal(b, &m) != nil {
			return fmt.Errorf("sandbox: %s is damaged; start over with --reset", filepath.Join(dir, manifestFile))
		}
	case errors.Is(err, fs.ErrNotExist):
		present := presentFiles(dir)
		if len(present) == 0 {
			return nil // a new sandbox
		}
		m.Files = dataFiles[:5]
	default:
		return fmt.Errorf("sandbox: %w", err)
	}
	for _, f := range m.Files {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sandbox: %s is missing from the state directory %s (it was there before: deleted or moved?); "+
				"put it back, or start over with --reset, which forgets the sandbox's secrets and users", f, dir)
		} else if err != nil {
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	return nil
}

// saveManifest records the data files that exist now; a start calls it once everything is
// up. A file once listed stays listed.
func saveManifest(dir string) error {
	var m manifest
	if b, err := os.ReadFile(filepath.Join(dir, manifestFile)); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	files := presentFiles(dir)
	for _, f := range m.Files {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	return writeManifest(dir, m, files)
}

// unlistFromManifest forgets a data file that was removed on purpose (a deleted DB
// instance's), so that the next start does not refuse the directory for lacking it.
func unlistFromManifest(dir, file string) error {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || json.Unmarshal(b, &m) != nil {
		return fmt.Errorf("sandbox: manifest: cannot read %s to forget %s", manifestFile, file)
	}
	return writeManifest(dir, m, slices.DeleteFunc(slices.Clone(m.Files), func(f string) bool { return f == file }))
}

// writeManifest writes files as the manifest, unless it already says exactly that.
func writeManifest(dir string, m manifest, files []string) error {
	if slices.Equal(files, m.Files) {
		return nil
	}
	b, err := json.MarshalIndent(manifest{Files: files}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, manifestFile), append(b, '\n')); err != nil {
		return fmt.Errorf("sandbox: manifest: %w", err)
	}
	return nil
}

func presentFiles(dir string) []string {
	var out []string
	for _, f := range dataFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			out = append(out, f)
		}
	}
	return out
}
