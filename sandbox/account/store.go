package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/internal/atomicfile"
)

// FileName is the set-up's file in the sandbox's state directory.
const FileName = "account.json"

// Store keeps the set-up in its file. Every Get looks at the file and reads it again when it
// changed, so a change made by another process takes effect at once; Update writes it.
type Store struct {
	path string

	mu      sync.Mutex
	cur     Account
	stamp   stamp
	changed []func() // called after Get saw a change on disk, or Update made one
}

type stamp struct {
	mod  time.Time
	size int64
}

// Open reads the set-up at path, or writes def there when there is none yet. A set-up the
// defaults have grown since (a function added) keeps what it has and gains the rest.
func Open(path string, def Account) (*Store, error) {
	s := &Store{path: path}
	a, _, err := read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a = def
	case err != nil:
		return nil, err
	default:
		fill(&a, def)
	}
	if err := s.write(a); err != nil {
		return nil, err
	}
	return s, nil
}

// fill adds to a what def has and a lacks: functions, roles and security groups by name.
func fill(a *Account, def Account) {
	if a.Functions == nil {
		a.Functions = map[string]*Function{}
	}
	for name, f := range def.Functions {
		if a.Functions[name] == nil {
			a.Functions[name] = f
		}
	}
	if a.Roles == nil {
		a.Roles = map[string]map[string]string{}
	}
	for name, r := range def.Roles {
		if a.Roles[name] == nil {
			a.Roles[name] = r
		}
	}
	if a.Network.SecurityGroups == nil {
		a.Network = def.Network
	}
}

func read(path string) (Account, stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Account{}, stamp{}, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Account{}, stamp{}, err
	}
	var a Account
	if err := json.Unmarshal(b, &a); err != nil {
		return Account{}, stamp{}, fmt.Errorf("account: %s is damaged (%v); start over with --reset", path, err)
	}
	return a, stamp{fi.ModTime(), fi.Size()}, nil
}

// OnChange registers f to be called (without the store's lock) after the set-up changed.
func (s *Store) OnChange(f func()) {
	s.mu.Lock()
	s.changed = append(s.changed, f)
	s.mu.Unlock()
}

// Get returns a copy of the set-up as it is now on disk.
func (s *Store) Get() Account {
	var a Account
	s.Read(func(cur *Account) { a = clone(*cur) })
	return a
}

// Read calls look with the set-up as it is now on disk, without copying it:
// for the checks made on every connection and query (the bastion's, the
// database's), where a copy would cost more than the check. look must
// neither change nor keep what it is given. That is safe without the lock:
// the current set-up is never changed in place, only replaced (Update
// changes a copy).
func (s *Store) Read(look func(a *Account)) {
	s.mu.Lock()
	changed := s.refresh()
	cur := s.cur
	hooks := s.changed
	s.mu.Unlock()
	if changed {
		for _, f := range hooks {
			f()
		}
	}
	look(&cur)
}

// refresh reads the file again if it changed since it was last read. A file that cannot be
// read now (being replaced) keeps the last set-up. Call with s.mu held.
func (s *Store) refresh() bool {
	fi, err := os.Stat(s.path)
	if err != nil || (fi.ModTime().Equal(s.stamp.mod) && fi.Size() == s.stamp.size) {
		return false
	}
	a, st, err := read(s.path)
	if err != nil {
		return false
	}
	s.cur, s.stamp = a, st
	return true
}

// Update changes the set-up with change (on what the file holds now) and writes it. When
// change returns an error nothing is written.
func (s *Store) Update(change func(a *Account) error) error {
	s.mu.Lock()
	s.refresh()
	a := clone(s.cur)
	if err := change(&a); err != nil {
		s.mu.Unlock()
		return err
	}
	err := s.write(a)
	hooks := s.changed
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, f := range hooks {
		f()
	}
	return nil
}

// write saves a and makes it current. Call with s.mu held (or before the store is shared).
func (s *Store) write(a Account) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	if err := atomicfile.Write(s.path, b); err != nil {
		return fmt.Errorf("account: save %s: %w", s.path, err)
	}
	s.cur = a
	if fi, err := os.Stat(s.path); err == nil {
		s.stamp = stamp{fi.ModTime(), fi.Size()}
	}
	return nil
}

// Edit changes the set-up in the file at path, whether or not a sandbox runs on it: what the
// lab does from its own process.
func Edit(path string, change func(a *Account) error) error {
	a, _, err := read(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("account: %s does not exist yet: start the sandbox once first", path)
		}
		return err
	}
	if err := change(&a); err != nil {
		return err
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("account: %w", err)
	}
	return atomicfile.Write(path, b)
}

// clone is a deep copy, through JSON: the set-up is small and read per request at most.
func clone(a Account) Account {
	b, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("account: copy: %v", err))
	}
	var out Account
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("account: copy: %v", err))
	}
	return out
}

// Touch marks a function as changed: a new revision and modification time.
func (f *Function) Touch(now time.Time) {
	f.Revision = newRevision()
	f.LastModified = now.UTC().Format("2006-01-02T15:04:05.000+0000")
}

func newRevision() string { return uuid.NewString() }
