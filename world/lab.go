package world

import (
	"context"
	"crypto/rand"
	"math/big"

	"rotation-tutor/lab"
	"rotation-tutor/sandbox"
	"rotation-tutor/steps"
)

// sandboxLab is the lab on the sandbox the world runs.
type sandboxLab struct {
	dir string
	in  sandbox.Info
}

func (l sandboxLab) world(secretName string) *lab.World { return lab.NewWorld(l.dir, l.in, secretName) }

func (l sandboxLab) BreakRandom(ctx context.Context, secretName string) (steps.LabScenario, error) {
	var pool []lab.Scenario
	for _, s := range lab.All() {
		if !s.GMSOnly || l.in.Database.Engine == "gms" {
			pool = append(pool, s)
		}
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(pool))))
	if err != nil {
		return steps.LabScenario{}, err
	}
	s := pool[n.Int64()]
	w := l.world(secretName)
	defer w.Close()
	if err := lab.Break(ctx, w, s); err != nil {
		return steps.LabScenario{}, err
	}
	return steps.LabScenario{Name: s.Name, What: s.What, Heading: s.Heading, Hop: s.Hop, Check: s.Check}, nil
}

func (l sandboxLab) Fix(ctx context.Context, name, secretName string) error {
	s, err := lab.Find(name)
	if err != nil {
		return err
	}
	w := l.world(secretName)
	defer w.Close()
	return lab.Fix(ctx, w, s)
}
