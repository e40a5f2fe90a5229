package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// rulesFor is the schedule each tutorial uses: every 2 days within a 2-hour
// window, or every 30 days.
func rulesFor(c Choices) *types.RotationRulesType {
	if c.Flavour == FlavourClassic {
		return &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}
	}
	return &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")}
}

func rulesJSON(c Choices) string {
	if c.Flavour == FlavourClassic {
		return `{"AutomaticallyAfterDays":30}`
	}
	return `{"ScheduleExpression":"rate(2 days)","Duration":"2h"}`
}

// deref is r's value, or the zero Result for nil.
func deref(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}

// orNoneYet is a setting as the secret has it, or, when it has none, what this step sets.
func orNoneYet(have, sets string) string {
	if have != "" {
		return have
	}
	return "none yet (this step sets " + sets + ")"
}

func describeRules(r *types.RotationRulesType) string {
	if r == nil {
		return ""
	}
	var parts []string
	if r.ScheduleExpression != nil {
		parts = append(parts, *r.ScheduleExpression)
	} else if r.AutomaticallyAfterDays != nil {
		parts = append(parts, "every "+strconv.FormatInt(*r.AutomaticallyAfterDays, 10)+" days")
	}
	if r.Duration != nil {
		parts = append(parts, "window "+*r.Duration)
	}
	return strings.Join(parts, ", ")
}

func configureStep() Step {
	return Step{ID: ConfigureRotation, Title: titleConfigure, Action: actionConfigure, explain: explainConfigure,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			c := s.Choices()
			see := Command{Tool: "aws", Note: "see the rotation settings and the labels", Text: awsCmd(env, "secretsmanager", "describe-secret",
				"--secret-id", shell.Quote(env.SecretName), "--query", shell.Quote("[RotationEnabled,RotationLambdaARN,RotationRules,VersionIdsToStages]"))}
			var made []Command
			if c.Flavour != FlavourClassic && c.Strategy == rotation.AlternatingUsers {
				made = functionCommands(env)
			}
			fn := functionFor(env, c.Strategy)
			if fn == "" {
				return append(made, see)
			}
			return append(made, Command{Tool: "aws", Note: "turn on rotation; it also rotates right away", Text: awsCmd(env, "secretsmanager", "rotate-secret",
				"--secret-id", shell.Quote(env.SecretName), "--rotation-lambda-arn", fn, "--rotation-rules", shell.Quote(rulesJSON(c)))}, see)
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			env, err := s.requireEnv()
			if err != nil {
				return Result{}, err
			}
			c := s.Choices()
			var rules *types.RotationRulesType
			if functionFor(env, c.Strategy) != "" {
				rules = rulesFor(c)
			}
			r, err := s.Rotate(ctx, c.Strategy, rules)
			if err != nil {
				return Result{}, err
			}
			res, err := lookConfigure(ctx, s)
			if err != nil {
				return Result{}, err
			}
			res.Summary = "rotation is on; the first rotation made " + r.To + " current"
			res.Facts = append(res.Facts, Fact{Label: "Username", Value: r.From + " → " + r.To}, Fact{Label: "Took", Value: r.Took.Round(100_000).String()})
			return res, nil
		},
		look: lookConfigure}
}

// rotatable describes the app secret when it is there to rotate; otherwise it returns the
// result that says it is not.
func rotatable(ctx context.Context, s *Session) (*Env, *sm.DescribeSecretOutput, *Result, error) {
	env, err := s.requireEnv()
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := describeApp(ctx, env)
	if err != nil {
		return nil, nil, nil, err
	}
	if d == nil || d.DeletedDate != nil {
		return env, nil, &Result{Summary: env.SecretName + " is not there to rotate (not stored, or scheduled for deletion)"}, nil
	}
	return env, d, nil, nil
}

func lookConfigure(ctx context.Context, s *Session) (Result, error) {
	env, d, missing, err := rotatable(ctx, s)
	if err != nil || missing != nil {
		return deref(missing), err
	}
	c := s.Choices()
	want := functionFor(env, c.Strategy)
	r := Result{Facts: []Fact{{Label: "Strategy", Value: string(c.Strategy)}}}
	if u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName); err != nil {
		return Result{}, fail("look for an unfinished rotation of "+env.SecretName, err)
	} else if u != nil {
		r.Unfinished = u
	}
	if want == "" { // the local rotator: nothing to configure, only rotations to see
		r.Facts = append(r.Facts, Fact{Label: "Function", Value: noteLocalRotator}, Fact{Label: "Schedule", Value: "none: the local rotator runs only when asked"})
		if d.LastRotatedDate != nil || versionWith(d, rotation.StagePrevious) != "" {
			r.Holds, r.Summary = true, "rotated by the local rotator; AWSCURRENT is on "+short(versionWith(d, rotation.StageCurrent))
		} else {
			r.Summary = "not rotated yet"
		}
		return r, nil
	}
	on, fn, sched := aws.ToBool(d.RotationEnabled), aws.ToString(d.RotationLambdaARN), describeRules(d.RotationRules)
	r.Facts = append(r.Facts, Fact{Label: "Function", Value: orNoneYet(fn, lastPart(want, ":"))})
	if c.Flavour != FlavourClassic && c.Strategy == rotation.AlternatingUsers {
		r.Facts = append(r.Facts, Fact{Label: "Made by", Value: functionMadeBy(env.Kind == KindSandbox)})
	}
	r.Facts = append(r.Facts, Fact{Label: "Schedule", Value: orNoneYet(sched, describeRules(rulesFor(c)))})
	if c.Strategy == rotation.AlternatingUsers {
		master, err := adminARN(ctx, env)
		if err != nil {
			master = env.AdminSecretARN + " (not stored yet)"
		}
		r.Facts = append(r.Facts, Fact{Label: "masterarn", Value: master})
	}
	if d.LastRotatedDate != nil {
		r.Facts = append(r.Facts, Fact{Label: "Last rotated", Value: localTime(*d.LastRotatedDate)})
	}
	var changed []string
	switch {
	case !on:
		r.Summary = "rotation is off for " + env.SecretName
		return r, nil
	case fn != want:
		changed = append(changed, "it rotates with "+lastPart(fn, ":")+", not the "+string(c.Strategy)+" function")
	}
	if wantSched := describeRules(rulesFor(c)); sched != wantSched {
		changed = append(changed, "its schedule is "+sched+", the "+FlavourShort(c.Flavour)+" uses "+wantSched)
	}
	if len(changed) > 0 {
		r.Summary = "rotation is on, but " + strings.Join(changed, "; ") + ": running this step applies your choice"
		return r, nil
	}
	r.Holds, r.Summary = true, "rotation is on: "+lastPart(fn, ":")+", "+sched
	return r, nil
}

func rotationResult(r Rotation) Result {
	return Result{Holds: true, Summary: fmt.Sprintf("%s → %s (version %s is AWSCURRENT)", r.From, r.To, short(r.Version)), Facts: []Fact{
		{Label: "Function", Value: r.Function},
		{Label: "Version", Value: r.Version},
		{Label: "Username", Value: r.From + " → " + r.To},
		{Label: "Took", Value: r.Took.Round(100_000).String()},
	}}
}

func watchStep() Step {
	return Step{ID: Watch, Title: titleWatch, Action: actionWatch, explain: explainWatch,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			var out []Command
			if functionFor(env, s.Choices().Strategy) != "" {
				out = append(out, Command{Tool: "aws", Note: "rotate again now", Text: awsCmd(env, "secretsmanager", "rotate-secret", "--secret-id", shell.Quote(env.SecretName))})
			}
			return append(out,
				Command{Tool: "aws", Note: "see which version holds which label", Text: awsCmd(env, "secretsmanager", "describe-secret",
					"--secret-id", shell.Quote(env.SecretName), "--query", "VersionIdsToStages")},
				Command{Tool: "aws", Note: "every version, its labels and when it was made", Text: awsCmd(env, "secretsmanager", "list-secret-version-ids",
					"--secret-id", shell.Quote(env.SecretName))},
				Command{Tool: "aws", Note: "when it last rotated, and when its schedule rotates it next", Text: awsCmd(env, "secretsmanager", "describe-secret",
					"--secret-id", shell.Quote(env.SecretName), "--query", shell.Quote("[LastRotatedDate,NextRotationDate]"))})
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := s.Rotate(ctx, s.Choices().Strategy, nil)
			if err != nil {
				return Result{}, err
			}
			return rotationResult(r), nil
		}}
}

func testRotatedStep() Step {
	return Step{ID: TestRotated, Title: titleTestRotated, Action: actionTestRotated, explain: explainTestRotated,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			return []Command{
				{Tool: "mysql", Note: "log in with the current version", Text: mysqlAs(env, env.SecretName, rotation.StageCurrent, shell.Quote("SELECT CURRENT_USER()"))},
				{Tool: "mysql", Note: "log in with the previous version", Text: mysqlAs(env, env.SecretName, rotation.StagePrevious, shell.Quote("SELECT CURRENT_USER()"))},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := lookTestRotated(ctx, s)
			if err == nil && !r.Holds {
				err = failFix("log in with the current and previous versions", r.Fact("Fix"), errors.New(r.Summary))
			}
			return r, err
		},
		look: lookTestRotated}
}

func lookTestRotated(ctx context.Context, s *Session) (Result, error) {
	cur, err := s.loginWith(ctx, rotation.StageCurrent)
	if err != nil {
		return Result{}, err
	}
	prev, err := s.loginWith(ctx, rotation.StagePrevious)
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return Result{Summary: "not rotated yet: there is no AWSPREVIOUS version"}, nil
	}
	if err != nil {
		return Result{}, err
	}
	// A single-user rotation keeps the user name: judge by what the world holds.
	single := prev.Username == cur.Username
	line := func(l Login) string {
		if l.Err != nil {
			return fmt.Sprintf("%s (version %s): refused: %s", l.Username, short(l.Version), Explain(l.Err).Why)
		}
		return fmt.Sprintf("%s (version %s): logs in as %s", l.Username, short(l.Version), l.CurrentUser)
	}
	r := Result{Facts: []Fact{{Label: "AWSCURRENT", Value: line(cur)}, {Label: "AWSPREVIOUS", Value: line(prev)}}}
	switch {
	case cur.Err != nil:
		r.Summary = "the current version does not log in"
		r.Facts = append(r.Facts, Fact{Label: "Fix", Value: fixLoginCurrent})
	case prev.Err == nil && single:
		r.Holds, r.Summary = true, "the current version logs in; so does the previous one (same user; its password did not change yet)"
	case prev.Err == nil:
		r.Holds, r.Summary = true, "current and previous versions both log in"
	case single:
		r.Holds, r.Summary = true, "the current version logs in; the previous one no longer does (single user: its password changed)"
	default:
		r.Summary = "the previous version no longer logs in"
		r.Facts = append(r.Facts, Fact{Label: "Fix", Value: fixLoginPrevious})
	}
	return r, nil
}
