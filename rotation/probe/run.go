package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// RotateFunc performs one rotation and returns the version it made
// AWSCURRENT.
type RotateFunc func(ctx context.Context) (version string, err error)

// RunConfig is a measured run: Rotations rotations with the probe's clients
// logging in around each one.
type RunConfig struct {
	Config
	Rotations int
	Rotate    RotateFunc
	// Progress, if set, is called after each rotation with the number done.
	Progress func(done, total int)
}

// Report is what a run measured. The JSON keys are the bench command's.
type Report struct {
	Clients       int     `json:"clients"`
	Rotations     int     `json:"rotations"`
	Logins        int     `json:"logins"`
	FailedLogins  int     `json:"failed_logins"`
	UnavailableMS float64 `json:"unavailable_ms"`
	// RotationTimes is how long each rotation took, in order.
	RotationTimes []time.Duration `json:"-"`
}

// Run starts a probe, rotates rc.Rotations times, and reports. Around each
// rotation every client first logs in with the secret it holds (the one from
// before the rotation: with alternating users it still works, with a single
// user it no longer does), then refreshes and logs in again. So every client
// refreshes between two rotations, the condition under which alternating
// users never fails a login, and the run is the same every time.
func Run(ctx context.Context, rc RunConfig) (Report, error) {
	if rc.Rotations < 0 || rc.Rotate == nil {
		return Report{}, errors.New("probe: Run needs Rotate and a number of rotations")
	}
	p, err := Start(ctx, rc.Config)
	if err != nil {
		return Report{}, err
	}
	defer p.Stop()

	rep := Report{Clients: rc.Clients, Rotations: rc.Rotations}
	if err := p.RefreshAll(ctx); err != nil {
		return rep, err
	}
	for i := range rc.Rotations {
		start := time.Now()
		version, err := rc.Rotate(ctx)
		if err != nil {
			return rep, fmt.Errorf("rotation %d of %d: %w", i+1, rc.Rotations, err)
		}
		rep.RotationTimes = append(rep.RotationTimes, time.Since(start))
		p.MarkRotated(version)
		if err := p.LoginAll(ctx); err != nil {
			return rep, err
		}
		if err := p.RefreshAll(ctx); err != nil {
			return rep, err
		}
		if rc.Progress != nil {
			rc.Progress(i+1, rc.Rotations)
		}
	}
	p.Stop()
	s := p.Snapshot()
	rep.Logins, rep.FailedLogins = s.Logins, s.Failed
	rep.UnavailableMS = float64(s.Unavailable) / float64(time.Millisecond)
	return rep, nil
}

// Percentiles are a distribution's median and 99th percentile, in
// milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// PercentilesOf returns the nearest-rank p50 and p99 of ds.
func PercentilesOf(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1 // nearest rank
		i = max(0, min(i, len(s)-1))
		return float64(s[i]) / float64(time.Millisecond)
	}
	return Percentiles{P50: at(0.50), P99: at(0.99)}
}
