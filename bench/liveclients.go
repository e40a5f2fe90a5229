package bench

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation/probe"
	"rotation-tutor/sandbox"
	"rotation-tutor/steps"
)

// LiveClients is what the live screen's simulated clients cost while they
// run: as many as the screen starts, at its pace and first policy, each
// login through the bastion's SSH tunnel as there, with the sandbox serving
// them — the CPU this process spent over Seconds, as a share of one core.
// A workshop runs one such set per attendee.
type LiveClients struct {
	Clients       int     `json:"clients"`
	Policy        string  `json:"policy"`
	PauseMS       float64 `json:"pause_ms"`
	Seconds       float64 `json:"seconds"`
	Logins        int     `json:"logins"`
	CPUPercent    float64 `json:"cpu_pct"`
	CPUPerLoginUS float64 `json:"cpu_per_login_us"`
	FailedLogins  int     `json:"failed_logins"`
}

// liveClientsFor is how long the live screen's clients are measured.
const liveClientsFor = 5 * time.Second

// measureLiveClients runs the live screen's clients on secretID through the
// sandbox's bastion for liveClientsFor.
func measureLiveClients(ctx context.Context, info sandbox.Info, client *sm.Client, secretID string, pol probe.Policy) (LiveClients, error) {
	out := LiveClients{Clients: steps.LiveClients, Policy: pol.Name, PauseMS: float64(steps.LivePause) / float64(time.Millisecond)}
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{
		Addr: net.JoinHostPort(info.Bastion.Host, strconv.Itoa(info.Bastion.Port)), User: info.Bastion.User,
		KeyFile: info.Bastion.PrivateKeyFile, KnownHostsFile: info.Bastion.KnownHostsFile, Timeout: 10 * time.Second,
	})
	if err != nil {
		return out, fmt.Errorf("tunnel through the bastion: %w", err)
	}
	defer tun.Close()
	p, err := probe.Start(ctx, probe.Config{Clients: steps.LiveClients, Secrets: client, SecretID: secretID,
		Dial: tun.DialContext, Policy: pol, Pause: steps.LivePause})
	if err != nil {
		return out, err
	}
	defer p.Stop()
	if err := p.RefreshAll(ctx); err != nil { // connections up before the clock starts
		return out, err
	}
	before := p.Snapshot().Logins
	cpu0, ok := cpuTime()
	t0 := time.Now()
	select {
	case <-time.After(liveClientsFor):
	case <-ctx.Done():
		return out, ctx.Err()
	}
	cpu1, _ := cpuTime()
	elapsed := time.Since(t0)
	s := p.Snapshot()
	out.Seconds, out.Logins, out.FailedLogins = elapsed.Seconds(), s.Logins-before, s.Failed
	if ok {
		out.CPUPercent = 100 * float64(cpu1-cpu0) / float64(elapsed)
		if out.Logins > 0 {
			out.CPUPerLoginUS = float64(cpu1-cpu0) / float64(out.Logins) / float64(time.Microsecond)
		}
	}
	return out, nil
}
