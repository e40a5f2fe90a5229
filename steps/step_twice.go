package steps

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/internal/shell"
	"rotation-tutor/rotation"
)

// The older tutorial's fourth step: rotate twice and see the user name come back. Each run
// rotates once; the look counts the rotations from the secret's own versions, so the step
// holds only when the world shows the name back where it began.

func rotateTwiceStep() Step {
	return Step{ID: RotateTwice, Title: titleRotateTwice, Action: actionRotateTwice, explain: explainRotateTwice, gated: true,
		commands: func(s *Session) []Command {
			env := s.Env()
			if env == nil {
				return nil
			}
			var out []Command
			if functionFor(env, s.Choices().Strategy) != "" {
				out = append(out, Command{Tool: "aws", Note: "rotate once more", Text: awsCmd(env, "secretsmanager", "rotate-secret", "--secret-id", shell.Quote(env.SecretName))})
			}
			return append(out,
				Command{Tool: "aws", Note: "every version, oldest first, with its labels: one more per rotation", Text: awsCmd(env, "secretsmanager", "list-secret-version-ids",
					"--secret-id", shell.Quote(env.SecretName), "--include-deprecated", "--query", shell.Quote("sort_by(Versions,&CreatedDate)[].[VersionId,VersionStages]"), "--output", "json")},
				Command{Tool: "aws", Note: "the user name the current version holds", Text: secretValueCmd(env, env.SecretName, "") + " | jq -r .username"})
		},
		run: func(ctx context.Context, s *Session) (Result, error) {
			r, err := s.Rotate(ctx, s.Choices().Strategy, nil)
			if err != nil {
				return Result{}, err
			}
			res, err := lookRotateTwice(ctx, s)
			res.Facts = append([]Fact{{Label: "This rotation", Value: r.From + " → " + r.To}}, res.Facts...)
			return res, err
		},
		look: lookRotateTwice}
}

// history is the user name of each version of the app secret that holds a value, oldest
// first.
func (s *Session) history(ctx context.Context, env *Env) ([]string, error) {
	type version struct {
		id      string
		created int64
	}
	var vs []version
	p := sm.NewListSecretVersionIdsPaginator(env.Secrets, &sm.ListSecretVersionIdsInput{SecretId: aws.String(env.SecretName), IncludeDeprecated: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fail("list the versions of "+env.SecretName, err)
		}
		for _, v := range page.Versions {
			vs = append(vs, version{aws.ToString(v.VersionId), aws.ToTime(v.CreatedDate).UnixNano()})
		}
	}
	slices.SortStableFunc(vs, func(a, b version) int { return cmp.Compare(a.created, b.created) })
	var names []string
	for _, v := range vs {
		if u := s.usernameOf(ctx, env, v.id); u != "" {
			names = append(names, u)
		}
	}
	return names, nil
}

func lookRotateTwice(ctx context.Context, s *Session) (Result, error) {
	env, _, missing, err := rotatable(ctx, s)
	if err != nil || missing != nil {
		return deref(missing), err
	}
	names, err := s.history(ctx, env)
	if err != nil {
		return Result{}, err
	}
	t := s.tut()
	r := Result{Facts: []Fact{{Label: "Why", Value: whyTwice(t)}}}
	if u, err := rotation.FindUnfinished(ctx, env.Secrets, env.SecretName); err == nil && u != nil {
		r.Unfinished = u
	}
	if len(names) == 0 {
		r.Summary = "no version holds a value yet"
		return r, nil
	}
	current := names[len(names)-1]
	if s.Choices().Strategy == rotation.SingleUser {
		n := len(names) - 1 // every version after the first: the same name, a new password
		r.Facts = append([]Fact{{Label: "Versions", Value: fmt.Sprintf("%d after the first, all %s", n, current)}}, r.Facts...)
		r.Holds = n >= 2 && current == t.AppUser
		r.Summary = fmt.Sprintf("%d of 2 rotations: the name stays %s, only its password changes", min(n, 2), current)
		return r, nil
	}
	// Alternating users: a rotation is a change of name; a stored correction keeps it.
	seen := slices.Compact(slices.Clone(names))
	n := len(seen) - 1
	r.Facts = append([]Fact{{Label: "User names", Value: strings.Join(seen, " → ")}, {Label: "Rotations", Value: fmt.Sprint(n)}}, r.Facts...)
	switch {
	case n >= 2 && current == t.AppUser:
		r.Holds, r.Summary = true, fmt.Sprintf("rotated %d times: the name came back to %s, with a new password", n, current)
	case n == 0:
		r.Summary = "not rotated yet: " + current + " is current"
	default:
		r.Summary = fmt.Sprintf("rotated %d %s: %s is current; rotate again, until %s comes back", n, plural(n, "time", "times"), current, t.AppUser)
	}
	return r, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
