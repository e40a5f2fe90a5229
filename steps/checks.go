package steps

import (
	"context"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// checkTimeout bounds each basic check, so an unreachable hop is reported
// in seconds.
const checkTimeout = 5 * time.Second

// BasicChecks is the troubleshooting step's own small doctor: the app secret,
// the admin secret, the bastion, a login through it, and a rotation left
// half done. main.go replaces it with the full doctor.
func BasicChecks(ctx context.Context, req CheckRequest) []Check {
	env := req.Env
	var out []Check
	run := func(hop, name string, f func(ctx context.Context) (detail, fix string, ok bool)) bool {
		ctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		start := time.Now()
		detail, fix, ok := f(ctx)
		out = append(out, Check{Hop: hop, Name: name, OK: ok, Took: time.Since(start), Detail: detail, Fix: fix})
		return ok
	}
	skip := func(hop, name, why string) {
		out = append(out, Check{Hop: hop, Name: name, Skipped: true, Detail: why})
	}

	var app rotation.Secret
	secretOK := run("secrets", "app secret", func(ctx context.Context) (string, string, bool) {
		v, err := env.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(req.SecretID)})
		if err != nil {
			p := Explain(fail("read "+req.SecretID, err))
			return p.Why, p.Fix, false
		}
		app, err = rotation.ParseSecret(aws.ToString(v.SecretString))
		if err != nil {
			return err.Error(), "Store the secret again (the store-secret step).", false
		}
		if req.Strategy != StrategySingle && app.MasterARN == "" {
			return "no masterarn field: alternating users cannot find the admin secret", "Store the secret again with masterarn set to the admin secret's ARN.", false
		}
		return "readable, fields engine, host, username, password present; user " + app.Username, "", true
	})
	run("secrets", "admin secret", func(ctx context.Context) (string, string, bool) {
		if _, _, err := readAdminSecret(ctx, env); err != nil {
			p := Explain(err)
			return p.Why, p.Fix, false
		}
		return "readable: " + env.AdminSecretARN, "", true
	})
	tcpOK := run("bastion", "TCP reachable", func(ctx context.Context) (string, string, bool) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", env.SSH.Addr)
		if err != nil {
			return env.SSH.Addr + " does not answer: " + err.Error(), "Check the address, that the bastion runs, and that its security group lets your IP in on port 22.", false
		}
		c.Close()
		return env.SSH.Addr + " answers", "", true
	})
	var tun *dbclient.Tunnel
	if tcpOK {
		run("bastion", "SSH login and host key", func(ctx context.Context) (string, string, bool) {
			t, err := dbclient.OpenTunnel(ctx, env.SSH)
			if err != nil {
				p := Explain(fail("open the tunnel", err))
				return p.Why, p.Fix, false
			}
			tun = t
			return "host key " + t.HostKeyFingerprint(), "", true
		})
	} else {
		skip("bastion", "SSH login and host key", "the bastion is not reachable")
	}
	if tun != nil {
		defer tun.Close()
	}
	switch {
	case tun == nil:
		skip("database", "login as app user", "no SSH session")
	case !secretOK:
		skip("database", "login as app user", "the app secret could not be read")
	default:
		run("database", "login as app user", func(ctx context.Context) (string, string, bool) {
			if err := dbclient.Login(ctx, tun.DialContext, app.Target(env.DBCA)); err != nil {
				p := Explain(fail("log in as "+app.Username, err))
				return p.Why, p.Fix, false
			}
			return app.Username + " logs in through the bastion", "", true
		})
	}
	run("rotation", "no rotation left pending", func(ctx context.Context) (string, string, bool) {
		d, err := env.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(req.SecretID)})
		if err != nil {
			p := Explain(fail("describe "+req.SecretID, err))
			return p.Why, p.Fix, false
		}
		for v, st := range d.VersionIdsToStages {
			if contains(st, rotation.StagePending) && !contains(st, rotation.StageCurrent) {
				return "version " + short(v) + " is still AWSPENDING", "The last rotation did not finish: rotate again (it resumes), or remove the AWSPENDING label.", false
			}
		}
		if !aws.ToBool(d.RotationEnabled) {
			return "rotation is not turned on yet", "", true
		}
		return "rotation on (" + describeRules(d.RotationRules) + "), nothing pending", "", true
	})
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
