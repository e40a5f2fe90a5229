package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// HeadlessOptions configure RunHeadless.
type HeadlessOptions struct {
	JSON bool      // one JSON object per line instead of text
	Yes  bool      // allowed to act on a real account
	Out  io.Writer // where the lines go
	// Session settings: the state directory, and the choices given.
	Session Options
}

// ErrNeedYes is returned when RunHeadless would act on a real account
// without HeadlessOptions.Yes. It is a usage error.
var ErrNeedYes = errors.New("refusing to create users and secrets in a real AWS account without --yes")

// headlessLine is one step's outcome, as JSON.
type headlessLine struct {
	Step   string  `json:"step"`
	Title  string  `json:"title"`
	OK     bool    `json:"ok"`
	MS     float64 `json:"ms"`
	Detail string  `json:"detail"`
	Fix    string  `json:"fix,omitempty"`
}

// headlessSteps are the steps a headless run performs, in order. The current
// tutorial's leaves out the clean-up, so the run can be inspected, and run
// again, and then rotates twice more; the older one's is the tutorial whole:
// it stores the master secret, rotates twice (counted from the secret's
// versions) and cleans up, instance included (the sandbox makes it again at
// its next start, so it too can run again).
func headlessSteps(flavour string) []ID {
	if flavour == FlavourClassic {
		return []ID{Welcome, Environment, StoreMasterSecret, Connect, CreateUser, StoreSecret, Validate, ConfigureRotation,
			RotateTwice, TestRotated, Troubleshoot, CleanUp}
	}
	return []ID{Welcome, Environment, Connect, CreateUser, StoreSecret, Validate, ConfigureRotation, TestRotated, Troubleshoot}
}

// maxRotateRuns bounds the runs of the rotate-twice step: from any start, the name is back
// after two rotations.
const maxRotateRuns = 3

// RunHeadless walks the tutorial without a screen: one line per step, then two
// more rotations that show the user name alternating. Every step can run
// again on the same state: a second run finds what the first made and keeps
// it working. A rotation left unfinished is finished (or, when only its
// label was left behind, cancelled) and said so. It returns an error if any
// step failed, and closes w.
func RunHeadless(ctx context.Context, w World, o HeadlessOptions) error {
	if o.Out == nil {
		o.Out = io.Discard
	}
	s, err := NewSession(w, o.Session, false)
	if err != nil {
		w.Close()
		return err
	}
	defer s.Close()
	emit := func(l headlessLine) {
		if o.JSON {
			b, _ := json.Marshal(l) // strings, a bool and a number
			fmt.Fprintln(o.Out, string(b))
			return
		}
		status := "ok  "
		if !l.OK {
			status = "FAIL"
		}
		fmt.Fprintf(o.Out, "%s %-20s %7.1f ms  %s\n", status, l.Step, l.MS, l.Detail)
		if l.Fix != "" {
			fmt.Fprintf(o.Out, "     fix: %s\n", l.Fix)
		}
	}
	failed := func(id ID, title string, took time.Duration, err error) error {
		p := Explain(err)
		emit(headlessLine{Step: string(id), Title: title, MS: ms(took), Detail: p.What + ": " + p.Why, Fix: p.Fix})
		return fmt.Errorf("step %s failed: %s", id, p.What)
	}
	resolve := func(u *UnfinishedError) error {
		start := time.Now()
		if u.Rotation.Stale {
			r, err := s.CancelRotation(ctx)
			if err != nil {
				return failed("recover", "Cancel the rotation left unfinished", time.Since(start), err)
			}
			emit(headlessLine{Step: "recover", Title: "Cancel the rotation left unfinished", OK: true, MS: ms(time.Since(start)), Detail: r.Summary})
			return nil
		}
		r, err := s.FinishRotation(ctx)
		if err != nil {
			return failed("recover", "Finish the rotation left unfinished", time.Since(start), err)
		}
		emit(headlessLine{Step: "recover", Title: "Finish the rotation left unfinished", OK: true, MS: ms(time.Since(start)),
			Detail: "finished version " + short(r.Version) + ": " + r.From + " → " + r.To})
		return nil
	}

	flavour := s.Choices().Flavour
	for _, id := range headlessSteps(flavour) {
		st, _ := ByID(id)
		if id == Connect || id == StoreMasterSecret {
			if env := s.Env(); env != nil && env.Kind == KindAWS && !o.Yes {
				return ErrNeedYes
			}
		}
		for run := 1; ; run++ {
			r, err := st.Run(ctx, s)
			var u *UnfinishedError
			if errors.As(err, &u) {
				if err := resolve(u); err != nil {
					return err
				}
				r, err = st.Run(ctx, s)
			}
			if err != nil {
				return failed(id, st.Title, r.Took, err)
			}
			s.SetCurrent(id)
			emit(headlessLine{Step: string(id), Title: st.Title, OK: true, MS: ms(r.Took), Detail: r.Summary})
			if r.Holds {
				break
			}
			if run == maxRotateRuns {
				return failed(id, st.Title, r.Took, failFix(st.Action, fixRotationStep, errors.New(r.Summary)))
			}
		}
	}
	if flavour == FlavourClassic {
		return nil
	}
	for i := 1; i <= 2; i++ {
		id := ID(fmt.Sprintf("rotate-%d", i))
		title := fmt.Sprintf("Rotate again (%d of 2)", i)
		r, err := s.Rotate(ctx, s.Choices().Strategy, nil)
		if err != nil {
			return failed(id, title, r.Took, err)
		}
		emit(headlessLine{Step: string(id), Title: title, OK: true, MS: ms(r.Took), Detail: rotationResult(r).Summary})
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
