package steps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/steps"
	"rotation-tutor/world"
)

// In the sandbox, TLS to the database is verified with the sandbox's CA: the connect step
// says so, and that the database refuses plain text when it does; its mysql command carries
// the bundle and says why the name is not checked. The secret stored says "ssl": true, with
// the reason on screen and in the command that stores it by hand, exactly when the
// database requires TLS; a secret someone set to "ssl": false there is repaired.
func TestTheWalkthroughOverTLS(t *testing.T) {
	for _, requireTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "TLS offered", true: "TLS required"}[requireTLS], func(t *testing.T) {
			ctx := context.Background()
			s, err := steps.NewSession(world.Sandbox(world.SandboxOptions{StateDir: t.TempDir(), RequireTLS: requireTLS}),
				steps.Options{StateDir: t.TempDir()}, true)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			env, err := s.Start(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			run := func(id steps.ID) steps.Result {
				t.Helper()
				st, _ := steps.ByID(id)
				r, err := st.Run(ctx, s)
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				return r
			}
			tls := run(steps.Connect).Fact("Database TLS")
			if !strings.Contains(tls, "certificate verified for "+env.DBHost+" against database-ca.pem") ||
				strings.Contains(tls, "require_secure_transport is ON") != requireTLS {
				t.Errorf("the connect step says: %q", tls)
			}
			connect, _ := steps.ByID(steps.Connect)
			for _, c := range connect.Commands(s, nil) {
				if c.Tool == "mysql" && (!strings.Contains(c.Text, "--ssl-ca "+env.DBCA.File) || !strings.Contains(c.Note, "--ssl-verify-server-cert")) {
					t.Errorf("the admin's mysql command: %s — %s", c.Text, c.Note)
				}
			}

			run(steps.CreateUser)
			store, _ := steps.ByID(steps.StoreSecret)
			var byHand string
			for _, c := range store.Commands(s, nil) {
				if strings.Contains(c.Text, "create-secret") {
					byHand = c.Text
				}
			}
			if strings.Contains(byHand, "ssl:true") != requireTLS {
				t.Errorf("the create-secret command shown: %s", byHand)
			}
			r := run(steps.StoreSecret)
			if strings.Contains(r.Fact("Value"), `"ssl":true`) != requireTLS || (r.Fact("TLS") != "") != requireTLS {
				t.Errorf("stored %s; why: %q", r.Fact("Value"), r.Fact("TLS"))
			}
			if v := run(steps.Validate); !v.Holds {
				t.Errorf("the stored secret does not log in: %+v", v)
			}
			if !requireTLS {
				return
			}
			// Someone stores "ssl": false: the step sees a secret rotation cannot use, and
			// running it again stores the same credentials with "ssl": true.
			cur, err := env.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(env.SecretName)})
			if err != nil {
				t.Fatal(err)
			}
			plain := strings.Replace(aws.ToString(cur.SecretString), `"ssl":true`, `"ssl":false`, 1)
			if _, err := env.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(env.SecretName), SecretString: aws.String(plain)}); err != nil {
				t.Fatal(err)
			}
			if r, err := store.Look(ctx, s); err != nil || r.Holds || !strings.Contains(r.Summary, "ssl is false, but the database requires TLS") {
				t.Fatalf("with ssl false: %+v, %v", r, err)
			}
			if r := run(steps.StoreSecret); !r.Holds || !strings.Contains(r.Fact("Value"), `"ssl":true`) {
				t.Errorf("stored again: %+v", r)
			}
		})
	}
}
