package sandbox_test

import (
	"context"
	"testing"

	"rotation-tutor/dbclient"
)

// BenchmarkLoginThroughTheBastion is one login of a live screen's simulated
// client, on a whole sandbox: a new channel through the bastion's SSH tunnel
// (which asks the account's set-up whether it forwards, and to where), a
// MySQL handshake and the login's check, then closing. A workshop server
// makes thousands of these a second.
func BenchmarkLoginThroughTheBastion(b *testing.B) {
	ctx := context.Background()
	in := start(b, b.TempDir()).Info()
	user, password := adminCreds(b, ctx, secretsClient(b, in), in.Database.AdminSecretARN)
	tun := tunnel(b, ctx, in)
	target := dbclient.Target{Host: in.Database.Host, Port: in.Database.Port, User: user, Password: password, Database: in.Database.Name}
	for _, bc := range []struct {
		name  string
		login func(context.Context, dbclient.DialFunc, dbclient.Target) error
	}{{"ping", dbclient.LoginPing}, {"select", dbclient.Login}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.login(ctx, tun.DialContext, target); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
