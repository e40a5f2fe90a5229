package secretsmanager

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func stateEnv(t *testing.T, path string) *env {
	t.Helper()
	return newEnv(t, Options{StatePath: path, StateKey: bytes.Repeat([]byte{7}, 32)})
}

func put(t *testing.T, e *env, id, value string) {
	t.Helper()
	must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(value)}))(t)
}

// A change writes the change, not the whole state: one more version of a secret that has
// fifty, 10 KB each, adds about one version's bytes to the file, not 500 KB.
func TestJournalWritesWhatChanged(t *testing.T) {
	e := stateEnv(t, filepath.Join(t.TempDir(), "state"))
	e.create(t, "big", strings.Repeat("a", 10_000))
	for i := range 50 {
		put(t, e, "big", strings.Repeat(string(rune('b'+i%20)), 10_000))
	}
	e.create(t, "small", "v")
	before := e.svc.BytesWritten()
	put(t, e, "small", "w")
	if n := e.svc.BytesWritten() - before; n > 2_000 {
		t.Errorf("a 1-byte version of a small secret wrote %d bytes", n)
	}
	before = e.svc.BytesWritten()
	put(t, e, "big", strings.Repeat("z", 10_000))
	if n := e.svc.BytesWritten() - before; n > 14_000 {
		t.Errorf("a 10 KB version of a secret with 51 versions wrote %d bytes", n)
	}
}

// The file does not grow without bound: when it has doubled past a fresh copy of the state,
// a fresh copy replaces it. With AWS's pruning (a day passes between versions here), 300
// versions of 20 KB leave a file of a few megabytes, all of them readable after a restart.
func TestJournalIsCompacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	e := stateEnv(t, path)
	e.create(t, "app", "first")
	for i := range 300 {
		e.clock.Advance(25 * time.Hour)
		put(t, e, "app", strings.Repeat(string(rune('a'+i%26)), 20_000))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if written := e.svc.BytesWritten(); fi.Size() >= compactAt+2_000_000 || written < 6_000_000 {
		t.Fatalf("the file is %d bytes after %d written", fi.Size(), written)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := stateEnv(t, path)
	list := must(e2.client.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("app"), IncludeDeprecated: aws.Bool(true)}))(t)
	if len(list.Versions) != keepVersions {
		t.Fatalf("%d versions after the restart, want %d", len(list.Versions), keepVersions)
	}
	g := must(e2.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if want := strings.Repeat(string(rune('a'+299%26)), 20_000); aws.ToString(g.SecretString) != want {
		t.Fatal("the current value is not the last one put")
	}
}

// A crash in the middle of a write leaves a frame cut short at the end; what it held was
// never answered, so it is dropped and everything before it loads.
func TestTornLastFrameIsDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	e := stateEnv(t, path)
	e.create(t, "app", "v1")
	put(t, e, "app", "v2")
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(binary.BigEndian.AppendUint32(nil, 5000)) // a frame of 5000 bytes, of which 20 arrived
	f.Write(make([]byte, 20))
	f.Close()
	e2 := stateEnv(t, path)
	g := must(e2.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(g.SecretString) != "v2" {
		t.Fatalf("value %q after a torn frame", aws.ToString(g.SecretString))
	}
}

// Damage before the last frame is not a torn write: the file is refused, not read in part.
func TestDamagedFrameIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	e := stateEnv(t, path)
	e.create(t, "app", "v1")
	put(t, e, "app", "v2")
	put(t, e, "app", "v3")
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := 4 + int(binary.BigEndian.Uint32(raw[len(journalHeader):]))
	raw[len(journalHeader)+first+20] ^= 0xff // inside the second frame
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(keyed(Options{StatePath: path, StateKey: bytes.Repeat([]byte{7}, 32)}))
	if err == nil || !strings.Contains(err.Error(), "frame 1") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("a damaged frame: %v", err)
	}
}

// A state file from before the journal (the whole state, sealed once) is read, and
// rewritten as a journal.
func TestLegacyStateIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	plain := `{"seq":2,"secrets":[{"seq":1,"name":"old","arn":"arn:aws:secretsmanager:us-east-1:000000000000:secret:old-AbCdEf",` +
		`"created":"2026-01-01T00:00:00Z","changed":"2026-01-01T00:00:00Z","versions":{"11111111-2222-3333-4444-555555555555":` +
		`{"id":"11111111-2222-3333-4444-555555555555","seq":2,"string":"kept","stages":["AWSCURRENT"],"created":"2026-01-01T00:00:00Z"}}}]}`
	writeLegacyState(t, path, plain)
	e := stateEnv(t, path)
	g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("old")}))(t)
	if aws.ToString(g.SecretString) != "kept" {
		t.Fatalf("value %q", aws.ToString(g.SecretString))
	}
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte(journalHeader)) {
		t.Fatal("the old file was not rewritten as a journal")
	}
}

// writeLegacyState writes plain, a whole state as JSON, in the format before the journal,
// sealed with stateEnv's key.
func writeLegacyState(t *testing.T, path, plain string) {
	t.Helper()
	block, _ := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	sealed := aead.Seal(append([]byte(legacyHeader), nonce...), nonce, []byte(plain), []byte(legacyHeader))
	if err := os.WriteFile(path, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
}

// All values together are bounded, so no client can grow the process without limit; space
// comes back when secrets go.
func TestValuesAreBounded(t *testing.T) {
	e := newEnv(t, Options{})
	e.svc.maxValueBytes = 1000
	e.create(t, "a", strings.Repeat("x", 600))
	_, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("a"), SecretString: aws.String(strings.Repeat("y", 500))})
	wantErr[*types.LimitExceededException](t, err)
	_, err = e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("b"), SecretString: aws.String(strings.Repeat("y", 500))})
	wantErr[*types.LimitExceededException](t, err)
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("a"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	e.create(t, "b", strings.Repeat("y", 500))
}
