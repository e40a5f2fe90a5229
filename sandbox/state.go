package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"rotation-tutor/sandbox/bastion"

	"rotation-tutor/internal/atomicfile"
)

// identity is what makes one sandbox recognisably the same across restarts: the names RDS
// would have generated, and the key that encrypts the endpoint's state at rest.
type identity struct {
	InstanceSuffix  string `json:"instance_suffix"`   // as in secretsmanagertutorial.<suffix>.us-east-1.rds…
	AdminSecretUUID string `json:"admin_secret_uuid"` // as in rds!db-<uuid>
	stateKey        []byte
}

func loadIdentity(dir string) (identity, error) {
	var id identity
	path := filepath.Join(dir, "sandbox.json")
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &id); err != nil || id.InstanceSuffix == "" || id.AdminSecretUUID == "" {
			return id, fmt.Errorf("sandbox: %s is damaged; start over with --reset", path)
		}
	case errors.Is(err, fs.ErrNotExist):
		id = identity{InstanceSuffix: randomLower(12), AdminSecretUUID: uuid.NewString()}
		b, _ := json.MarshalIndent(id, "", "  ")
		if err := atomicfile.Write(path, b); err != nil {
			return id, fmt.Errorf("sandbox: %w", err)
		}
	default:
		return id, fmt.Errorf("sandbox: %w", err)
	}
	id.stateKey, err = loadOrCreate(filepath.Join(dir, "state.key"), func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err == nil && len(id.stateKey) != 32 {
		err = fmt.Errorf("sandbox: %s is damaged; start over with --reset", filepath.Join(dir, "state.key"))
	}
	return id, err
}

// writeKnownHosts records the bastion's host key for its current address, so ssh and
// dbclient can verify it strictly. It is the sandbox's own file, never ~/.ssh/known_hosts:
// the port can change between starts (when the last one is taken) and would look like a
// changed key there.
func writeKnownHosts(dir string, b *bastion.Bastion) (string, error) {
	path := filepath.Join(dir, "known_hosts")
	if err := atomicfile.Write(path, []byte(b.KnownHostsLine()+"\n")); err != nil {
		return "", fmt.Errorf("sandbox: known_hosts: %w", err)
	}
	return path, nil
}

func loadOrCreate(path string, create func() ([]byte, error)) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if b, err = create(); err != nil {
		return nil, err
	}
	return b, atomicfile.Write(path, b)
}

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// passwordAlphabet leaves out the characters AWS's rotation templates exclude (/@"'\ and
// space) because they break connection strings and shells.
const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-.:;<=>?[]^_{|}~"

func randomLower(n int) string { return randomFrom(lowerAlnum, n) }

func randomPassword(n int) string { return randomFrom(passwordAlphabet, n) }

func randomFrom(alphabet string, n int) string {
	out := make([]byte, n)
	// Rejection sampling keeps every character equally likely.
	limit := 256 - 256%len(alphabet)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		rand.Read(buf) //nolint:errcheck // crypto/rand.Read never returns an error (Go 1.24+)
		if int(buf[0]) < limit {
			out[i] = alphabet[int(buf[0])%len(alphabet)]
			i++
		}
	}
	return string(out)
}
