package database

import (
	"os"
	"path/filepath"

	gsql "github.com/dolthub/go-mysql-server/sql"
)

// filePersister saves GMS's users and grants after every change. GMS calls it
// while holding its user-table lock, so the file never runs behind memory.
type filePersister struct{ path string }

func (p filePersister) Persist(_ *gsql.Context, data []byte) error {
	return writeFileAtomic(p.path, data)
}

// writeFileAtomic writes data with mode 0600 so that a crash leaves either the
// old file or the new one: temp file, fsync, rename, fsync the directory.
func writeFileAtomic(path string, data []byte) error {
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
		_ = d.Sync() // make the rename durable; not all filesystems allow it
		_ = d.Close()
	}
	return nil
}
