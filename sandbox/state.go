package sandbox

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/crypto/ssh/knownhosts"

	"rotation-tutor/internal/atomicfile"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/secretsmanager"
)

// identity is what makes one sandbox recognisably the same across restarts: the names RDS
// would have generated, the key that encrypts the endpoint's state at rest, and the access
// keys the endpoints accept (the learner's, and each rotation function's).
//
// Where the keys live, and why. The state key (state.key) sits in the state directory,
// beside the file it encrypts, with the same owner-only permissions (0600, in a 0700
// directory, both checked at every start). That is deliberate: the sandbox must start
// unattended (the headless sandbox command, CI, a workshop over SSH), so there is no
// passphrase to ask for, and a system keyring is not there on every machine it runs on.
// What keeps other users out is the permissions; what the encryption adds is that no
// secret value is ever in plain text in the state file, so a copy of that file alone (a
// backup, a file attached to a bug report, a search of the disk) shows nothing. The access
// key is not stored at all: it is derived from the state key (HKDF-SHA256), so it is this
// state directory's own and changes with --reset. Its only copy on disk is aws-credentials,
// written at each start for the aws CLI (0600), which gives access to what the endpoint
// holds and nothing more: the state key cannot be derived back from it. The rotation
// functions' keys are derived the same way, each with a purpose of its own, and are never
// written anywhere: only the functions, in this process, sign with them.
type identity struct {
	InstanceSuffix  string `json:"instance_suffix"`   // as in secretsmanagertutorial.<suffix>.us-east-1.rds…
	AdminSecretUUID string `json:"admin_secret_uuid"` // as in rds!db-<uuid>
	stateKey        []byte
	accessKey       secretsmanager.AccessKey            // the learner's
	functionKeys    map[string]secretsmanager.AccessKey // by function name
}

func loadIdentity(dir string) (identity, error) {
	var id identity
	path := filepath.Join(dir, identityFile)
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
	id.stateKey, err = loadOrCreate(filepath.Join(dir, stateKeyFile), func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return id, fmt.Errorf("sandbox: %w", err)
	}
	if len(id.stateKey) != 32 {
		return id, fmt.Errorf("sandbox: %s is damaged; start over with --reset", filepath.Join(dir, stateKeyFile))
	}
	id.accessKey = deriveAccessKey(id.stateKey)
	id.functionKeys = lambda.FunctionKeys(func(name string) string {
		return base64.RawURLEncoding.EncodeToString(deriveKey(id.stateKey, "rotation-tutor sandbox rotation function "+name, 30))
	})
	return id, nil
}

// deriveAccessKey makes the learner's access key from the state key: an id shaped like
// AWS's (AKIA and 16 base32 characters) and a 40-character secret.
func deriveAccessKey(stateKey []byte) secretsmanager.AccessKey {
	b := deriveKey(stateKey, "rotation-tutor sandbox access key", 40)
	return secretsmanager.AccessKey{
		ID:        "AKIA" + base32.StdEncoding.EncodeToString(b[:10]),
		Secret:    base64.RawURLEncoding.EncodeToString(b[10:]),
		Principal: LearnerARN,
	}
}

// deriveKey is n bytes of key material for purpose, from the state key (HKDF-SHA256).
func deriveKey(stateKey []byte, purpose string, n int) []byte {
	b, err := hkdf.Key(sha256.New, stateKey, nil, purpose, n)
	if err != nil {
		panic("sandbox: hkdf of a few bytes cannot fail: " + err.Error())
	}
	return b
}

// keepPrivate makes the state directory its owner's only (0700: a directory made by hand may
// be wider) and refuses key files that others could read: a key someone else may have read
// is no longer a secret, so the advice includes starting over.
func keepPrivate(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("sandbox: make the state directory private: %w", err)
	}
	for _, f := range []string{stateKeyFile, clientKey, hostKeyFile} {
		path := filepath.Join(dir, f)
		fi, err := os.Stat(path)
		if err != nil {
			continue // not made yet; checkManifest speaks for files that should be there
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("sandbox: %s can be read by other users (mode %v); it must be the owner's only: "+
				"chmod 600 %s, or start over with --reset if someone else may have read it", path, fi.Mode().Perm(), path)
		}
	}
	return nil
}

// credentialsProfile is the profile aws-credentials holds.
const credentialsProfile = "rotation-tutor-sandbox"

// writeCredentials writes the access key where the aws CLI finds it with
// AWS_SHARED_CREDENTIALS_FILE and --profile, so printed commands carry no secret.
func writeCredentials(dir string, k secretsmanager.AccessKey) (string, error) {
	path := filepath.Join(dir, "aws-credentials")
	body := "# Written by rotation-tutor at each start of the sandbox in this directory: the access key\n" +
		"# its endpoint accepts. Use: AWS_SHARED_CREDENTIALS_FILE=" + path + " aws --profile " + credentialsProfile + " ...\n" +
		"[" + credentialsProfile + "]\naws_access_key_id = " + k.ID + "\naws_secret_access_key = " + k.Secret + "\n"
	if b, err := os.ReadFile(path); err == nil && string(b) == body {
		return path, nil // as written last time: no write, and no fsync, at start
	}
	if err := atomicfile.Write(path, []byte(body)); err != nil {
		return "", fmt.Errorf("sandbox: aws-credentials: %w", err)
	}
	return path, nil
}

// writeKnownHosts records the bastion's host key for its current address, so ssh and
// dbclient can verify it strictly. It is the sandbox's own file, never ~/.ssh/known_hosts:
// the port can change between starts (when the last one is taken) and would look like a
// changed key there.
//
// A file that already names the bastion's address is the learner's trust, and stays as it
// is: a bastion rebuilt with a new key (the lab's host-key-changed) must look changed.
func writeKnownHosts(dir string, b *bastion.Bastion) (string, error) {
	path := filepath.Join(dir, "known_hosts")
	if old, err := os.ReadFile(path); err == nil && strings.Contains(string(old), knownhosts.Normalize(b.Addr())+" ") {
		return path, nil
	}
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
