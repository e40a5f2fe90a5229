package database

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gsql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/mysql_db"
)

// UsersFile holds GMS's users, grants and password hashes (its own
// flatbuffer format), written after every change.
const UsersFile = "database-users.bin"

// engineInit serialises creating engines: go-mysql-server keeps its status
// variables in a package-level registry that creating an engine resets
// without a lock, so two sandboxes starting at once in one process (a
// workshop's attendees) would race on it.
var engineInit sync.Mutex

func startGMS(ctx context.Context, o Options) (*Server, error) {
	var tlsConfig *tls.Config
	if o.TLS != nil {
		var err error
		if tlsConfig, err = gmsTLS(o); err != nil {
			return nil, err
		}
	}
	quietGMSLogs()
	pro := memory.NewDBProvider()
	engineInit.Lock()
	engine := sqle.NewDefault(pro)
	engineInit.Unlock()
	sctx := gsql.NewContext(ctx, gsql.WithSession(memory.NewSession(gsql.NewBaseSession(), pro)))

	// The privilege system is still off here, so the schema needs no user.
	for _, q := range sampleSchema(o.DBName) {
		if err := runInternal(sctx, engine, q); err != nil {
			closeEngine(engine)
			return nil, fmt.Errorf("database: create the tutorial schema: %w", err)
		}
	}
	if err := loadUsers(sctx, engine.Analyzer.Catalog.MySQLDb, o); err != nil {
		closeEngine(engine)
		return nil, err
	}

	ln := newInProcess()
	tl := newTrackingListener(ln)
	cfg := server.Config{Protocol: "tcp", Listener: tl, TLSConfig: tlsConfig}
	sessions := server.SessionBuilder(memory.NewSessionBuilder(pro))
	if o.TLS != nil {
		required := o.RequireSecureTransportNow
		if required == nil {
			required = func() bool { return o.RequireSecureTransport }
		}
		cfg.ProtocolListenerFactory = secureTransport(required)
		sessions = reportSecureTransport(sessions, required)
	}
	srv, err := server.NewServerWithHandler(cfg, engine, gsql.NewContext, sessions, nil, serializeWith(o.RejectedPasswordCharacters))
	if err != nil {
		tl.Close()
		closeEngine(engine)
		return nil, fmt.Errorf("database: start the server: %w", err)
	}
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		_ = srv.Start() // returns when the listener is closed
	}()
	return &Server{
		dial:   ln.Dial,
		engine: EngineGMS,
		close: func() error {
			_ = srv.Close()
			<-accepting
			tl.closeAll()
			return closeEngine(engine)
		},
	}, nil
}

// runInternal runs one statement as the server itself and drains its rows.
func runInternal(ctx *gsql.Context, e *sqle.Engine, q string) error {
	_, iter, _, err := e.Query(ctx, q)
	if err != nil {
		return err
	}
	_, err = gsql.RowIterToRows(ctx, iter)
	return err
}

// loadUsers restores the saved users (if any), makes sure the admin exists
// with the caller's password, and installs the persister. The persister is
// installed in every case: without one GMS panics after each user change.
func loadUsers(ctx *gsql.Context, mdb *mysql_db.MySQLDb, o Options) error {
	var p mysql_db.MySQLDbPersistence = &mysql_db.NoopPersister{}
	if o.StateDir != "" {
		path := filepath.Join(o.StateDir, UsersFile)
		p = filePersister{path: path}
		buf, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("database: read saved users: %w", err)
		default:
			if err := mdb.LoadData(ctx, buf); err != nil {
				return fmt.Errorf("database: load saved users from %s: %w (delete it to start over)", path, err)
			}
		}
	}
	mdb.SetPersister(p)
	mdb.SetEnabled(true)

	ed := mdb.Editor()
	defer ed.Close()
	u, found := ed.GetUser(mysql_db.UserPrimaryKey{Host: "%", User: o.AdminUser})
	hash := nativePasswordHash(o.AdminPassword)
	if found && u.AuthString == hash && u.Plugin == "mysql_native_password" && !u.Locked &&
		u.PrivilegeSet.Equals(mysql_db.NewPrivilegeSetWithAllPrivileges()) {
		return nil // as saved: no write (and no fsync) at start
	}
	if !found {
		u = &mysql_db.User{User: o.AdminUser, Host: "%"}
	}
	u.PrivilegeSet = mysql_db.NewPrivilegeSetWithAllPrivileges()
	u.Plugin = "mysql_native_password"
	if u.AuthString != hash {
		u.AuthString = hash
		u.PasswordLastChanged = time.Now().UTC()
	}
	u.Locked = false
	ed.PutUser(u)
	if err := mdb.Persist(ctx, ed); err != nil {
		return fmt.Errorf("database: save users: %w", err)
	}
	return nil
}

// closeEngine stops GMS's background threads. Their shutdown reports the
// cancellation it causes as an error; that is the normal way to stop.
func closeEngine(e *sqle.Engine) error {
	if err := e.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("database: stop the engine: %w", err)
	}
	return nil
}
