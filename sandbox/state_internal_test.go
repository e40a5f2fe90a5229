package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rotation-tutor/sandbox/lambda"
)

// The rotation functions' keys come from the state key, as the learner's does: the same at
// every start of a state directory, another directory's differ, each function's its own and
// none the learner's, and no file holds them (aws-credentials has the learner's only).
func TestFunctionKeysComeFromTheStateKey(t *testing.T) {
	dir := t.TempDir()
	a, err := loadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := loadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := loadIdentity(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeCredentials(dir, a.accessKey); err != nil {
		t.Fatal(err)
	}
	if len(a.functionKeys) != 2 || a.functionKeys[lambda.AlternatingName].Secret == a.functionKeys[lambda.SingleUserName].Secret {
		t.Fatalf("function keys %v", a.functionKeys)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for name, k := range a.functionKeys {
		switch {
		case again.functionKeys[name] != k:
			t.Errorf("%s: another start of the directory derived another key", name)
		case other.functionKeys[name].Secret == k.Secret:
			t.Errorf("%s: another directory has the same key", name)
		case k.ID != lambda.FunctionKeyID(name) || k.Principal != lambda.SessionARN(name) || len(k.Secret) < 40:
			t.Errorf("%s: key %s for %s", name, k.ID, k.Principal)
		case k.ID == a.accessKey.ID || k.Secret == a.accessKey.Secret:
			t.Errorf("%s signs as the learner", name)
		}
		for _, f := range files {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), k.Secret) {
				t.Errorf("%s holds %s's secret key", filepath.Base(f), name)
			}
		}
	}
	if a.accessKey.Principal != LearnerARN {
		t.Errorf("the learner's key stands for %q", a.accessKey.Principal)
	}
}
