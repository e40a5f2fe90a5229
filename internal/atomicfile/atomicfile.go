// Package atomicfile writes small files that hold state or keys so that a crash leaves either
// the old file or the new one, never half of one, and never readable by other users.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, mode 0600, creating its directory (0700) if needed: a
// temporary file beside it, fsync, rename, then fsync of the directory so the rename lasts.
func Write(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*") // CreateTemp makes it 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every file system syncs directories
		_ = d.Close()
	}
	return nil
}
