package database

import (
	gsql "github.com/dolthub/go-mysql-server/sql"

	"rotation-tutor/internal/atomicfile"
)

// filePersister saves GMS's users and grants after every change. GMS calls it
// while holding its user-table lock, so the file never runs behind memory.
type filePersister struct{ path string }

func (p filePersister) Persist(_ *gsql.Context, data []byte) error {
	return atomicfile.Write(p.path, data)
}
