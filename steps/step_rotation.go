package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// rulesFor is the schedule each tutorial uses: every 2 days within a 2-hour
// window, or every 30 days.
func rulesFor(o Options) *types.RotationRulesType {
	if o.Flavour == FlavourClassic {
		return &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}
	}
	return &types.RotationRulesType{ScheduleExpression: aws.String("rate(2 days)"), Duration: aws.String("2h")}
}

func rulesJSON(o Options) string {
	if o.Flavour == FlavourClassic {
		return `{"AutomaticallyAfterDays":30}`
	}
	return `{"ScheduleExpression":"rate(2 days)","Duration":"2h"}`
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

func functionName(s *Session, strategy string) string {
	if env := s.Env(); env != nil {
		if fn := functionFor(env, strategy); fn != "" {
			return fn
		}
	}
	return "<rotation function ARN>"
}

func configureStep() Step {
	return Step{ID: ConfigureRotation, Title: titleConfigure, Action: actionConfigure, explain: explainConfigure,
		commands: func(s *Session, reveal bool) []Command {
			o := s.Options()
			return []Command{{Tool: "aws", Note: "turn on rotation; it also rotates right away", Text: awsCmd(s, "rotate-secret",
				"--secret-id", s.secretName(), "--rotation-lambda-arn", functionName(s, o.Strategy), "--rotation-rules", shellQuote(rulesJSON(o)))}}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			o := s.Options()
			env, err := s.requireEnv()
			if err != nil {
				return Result{}, err
			}
			var rules *types.RotationRulesType
			schedule := "none: the local rotator runs only when asked"
			if functionFor(env, o.Strategy) != "" {
				rules = rulesFor(o)
				schedule = describeRules(rules)
			}
			r, err := s.Rotate(ctx, o.Strategy, rules, nil)
			if err != nil {
				return Result{}, err
			}
			facts := []Fact{
				{"Function", r.Function},
				{"Strategy", strategyName(o.Strategy)},
				{"Schedule", schedule},
				{"First rotation", "version " + short(r.Version) + " is AWSCURRENT"},
				{"Username", r.From + " → " + r.To},
				{"Took", r.Took.Round(100_000).String()},
			}
			if o.Strategy == StrategyAlternating {
				facts = append(facts, Fact{"masterarn", env.AdminSecretARN})
			}
			return Result{Summary: "rotation is on; the first rotation made " + r.To + " current", Facts: facts}, nil
		}}
}

func rotationResult(r Rotation) Result {
	return Result{Summary: fmt.Sprintf("%s → %s (version %s is AWSCURRENT)", r.From, r.To, short(r.Version)), Facts: []Fact{
		{"Function", r.Function},
		{"Version", r.Version},
		{"Username", r.From + " → " + r.To},
		{"Took", r.Took.Round(100_000).String()},
	}}
}

func watchStep() Step {
	return Step{ID: Watch, Title: titleWatch, Action: actionWatch, explain: explainWatch,
		commands: func(s *Session, reveal bool) []Command {
			return []Command{
				{Tool: "aws", Note: "rotate again now", Text: awsCmd(s, "rotate-secret", "--secret-id", s.secretName())},
				{Tool: "aws", Note: "see which version holds which label", Text: awsCmd(s, "describe-secret", "--secret-id", s.secretName(), "--query", "VersionIdsToStages")},
			}
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := s.Rotate(ctx, s.Options().Strategy, nil, nil)
			if err != nil {
				return Result{}, err
			}
			return rotationResult(r), nil
		}}
}

func testRotatedStep() Step {
	return Step{ID: TestRotated, Title: titleTestRotated, Action: actionTestRotated, explain: explainTestRotated,
		commands: func(s *Session, reveal bool) []Command {
			return []Command{
				{Tool: "aws", Note: "the current version", Text: awsCmd(s, "get-secret-value", "--secret-id", s.secretName(), "--version-stage", "AWSCURRENT")},
				{Tool: "aws", Note: "the previous version", Text: awsCmd(s, "get-secret-value", "--secret-id", s.secretName(), "--version-stage", "AWSPREVIOUS")},
				{Tool: "mysql", Note: "log in with each through the tunnel", Text: mysqlCmd("<username from the secret>", "SELECT CURRENT_USER()")},
			}
		},
		run: runTestRotated}
}

func runTestRotated(ctx context.Context, s *Session) (Result, error) {
	// Judge by the strategy of the last rotation: the live screen's s key
	// may have rotated with the single-user function since.
	single := s.Options().Strategy == StrategySingle
	if rs := s.Rotations(); len(rs) > 0 {
		single = rs[len(rs)-1].Strategy == StrategySingle
	}
	cur, err := s.loginWith(ctx, "AWSCURRENT", "")
	if err != nil {
		return Result{}, err
	}
	if cur.Err != nil {
		return Result{}, failFix("log in with the AWSCURRENT version ("+cur.Username+")", fixLoginCurrent, cur.Err)
	}
	facts := []Fact{{"AWSCURRENT", fmt.Sprintf("%s (version %s): logs in as %s", cur.Username, short(cur.Version), cur.CurrentUser)}}
	prev, err := s.loginWith(ctx, "AWSPREVIOUS", "")
	if err != nil {
		return Result{}, err
	}
	switch {
	case prev.Err == nil:
		facts = append(facts, Fact{"AWSPREVIOUS", fmt.Sprintf("%s (version %s): still logs in", prev.Username, short(prev.Version))})
	case single:
		facts = append(facts, Fact{"AWSPREVIOUS", fmt.Sprintf("%s (version %s): refused, as expected with a single user", prev.Username, short(prev.Version))})
	default:
		return Result{}, failFix("log in with the AWSPREVIOUS version ("+prev.Username+")", fixLoginPrevious, prev.Err)
	}
	summary := "current and previous versions both log in"
	if single {
		summary = "current version logs in; the previous one no longer does"
	}
	return Result{Summary: summary, Facts: facts}, nil
}
