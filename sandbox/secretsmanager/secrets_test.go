package secretsmanager

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

var ctx = context.Background()

func TestCreateAndGet(t *testing.T) {
	e := newEnv(t, Options{Region: "eu-west-1", AccountID: "123456789012"})
	c := must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{
		Name: aws.String("tutorial/app"), SecretString: aws.String(`{"a":1}`),
		Description: aws.String("app user"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}},
	}))(t)
	if !regexp.MustCompile(`^arn:aws:secretsmanager:eu-west-1:123456789012:secret:tutorial/app-[A-Za-z0-9]{6}$`).MatchString(aws.ToString(c.ARN)) {
		t.Fatalf("ARN %q", aws.ToString(c.ARN))
	}
	if aws.ToString(c.VersionId) == "" {
		t.Fatal("no VersionId for a secret created with a value")
	}
	partial := strings.TrimSuffix(aws.ToString(c.ARN), aws.ToString(c.ARN)[len(aws.ToString(c.ARN))-7:])
	for _, id := range []string{"tutorial/app", aws.ToString(c.ARN), partial} {
		g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(id)}))(t)
		if aws.ToString(g.SecretString) != `{"a":1}` || aws.ToString(g.VersionId) != aws.ToString(c.VersionId) ||
			!slices.Equal(g.VersionStages, []string{"AWSCURRENT"}) || aws.ToString(g.ARN) != aws.ToString(c.ARN) {
			t.Fatalf("GetSecretValue(%s) = %+v", id, g)
		}
		if g.CreatedDate == nil || !g.CreatedDate.Equal(e.clock.Now()) {
			t.Fatalf("CreatedDate %v, want %v", g.CreatedDate, e.clock.Now())
		}
	}
	// A binary secret.
	b := must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}}))(t)
	g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: b.ARN}))(t)
	if string(g.SecretBinary) != "\x00\x01\x02\xff" || g.SecretString != nil {
		t.Fatalf("binary = %v", g.SecretBinary)
	}
	// A secret without a value has no version yet.
	n := must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("empty")}))(t)
	if n.VersionId != nil {
		t.Fatalf("VersionId %v for a secret without value", *n.VersionId)
	}
	_, err := e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("empty")})
	nf := wantErr[*types.ResourceNotFoundException](t, err)
	if nf.ErrorMessage() != "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT" {
		t.Fatalf("message %q", nf.ErrorMessage())
	}
}

func TestCreateErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tok := "11111111-2222-3333-4444-555555555555"
	must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("v"), ClientRequestToken: aws.String(tok)}))(t)

	// The same request again (same token, same value) is answered again.
	again := must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("v"), ClientRequestToken: aws.String(tok)}))(t)
	if aws.ToString(again.VersionId) != tok {
		t.Fatalf("idempotent create: VersionId %v", aws.ToString(again.VersionId))
	}
	cases := []struct {
		name string
		in   sm.CreateSecretInput
		code string
		msg  string
	}{
		{"exists", sm.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("v")},
			"ResourceExistsException", "The operation failed because the secret dup already exists."},
		{"same token, other value", sm.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("w"), ClientRequestToken: aws.String(tok)},
			"ResourceExistsException", "You can't use ClientRequestToken " + tok},
		{"bad name", sm.CreateSecretInput{Name: aws.String("bad name"), SecretString: aws.String("v")},
			"ValidationException", "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"},
		{"too long", sm.CreateSecretInput{Name: aws.String("big"), SecretString: aws.String(strings.Repeat("x", 65537))},
			"ValidationException", "1 validation error detected"},
		{"both values", sm.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("v"), SecretBinary: []byte("b")},
			"InvalidParameterException", "You can't specify both"},
		{"short token", sm.CreateSecretInput{Name: aws.String("tok"), SecretString: aws.String("v"), ClientRequestToken: aws.String("short")},
			"InvalidParameterException", "ClientRequestToken must be 32-64 characters long."},
		{"long description", sm.CreateSecretInput{Name: aws.String("desc"), Description: aws.String(strings.Repeat("d", 2049))},
			"ValidationException", "1 validation error detected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.client.CreateSecret(ctx, &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("message %v, want %q", err, tc.msg)
			}
		})
	}
	if _, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("dup"), SecretString: aws.String("v")}); err != nil {
		wantErr[*types.ResourceExistsException](t, err)
	}
	// The largest value is accepted.
	must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("max"), SecretString: aws.String(strings.Repeat("x", 65536))}))(t)
}

func TestGetSecretValueSelectors(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(t, "s", "one")
	p := must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("two")}))(t)
	get := func(in sm.GetSecretValueInput) (*sm.GetSecretValueOutput, error) {
		in.SecretId = aws.String("s")
		return e.client.GetSecretValue(ctx, &in)
	}
	if g := must(get(sm.GetSecretValueInput{VersionStage: aws.String("AWSPREVIOUS")}))(t); aws.ToString(g.SecretString) != "one" {
		t.Fatalf("AWSPREVIOUS = %q", aws.ToString(g.SecretString))
	}
	if g := must(get(sm.GetSecretValueInput{VersionId: c.VersionId}))(t); aws.ToString(g.SecretString) != "one" {
		t.Fatalf("by VersionId = %q", aws.ToString(g.SecretString))
	}
	if g := must(get(sm.GetSecretValueInput{VersionId: p.VersionId, VersionStage: aws.String("AWSCURRENT")}))(t); aws.ToString(g.SecretString) != "two" {
		t.Fatalf("by both = %q", aws.ToString(g.SecretString))
	}
	_, err := get(sm.GetSecretValueInput{VersionId: c.VersionId, VersionStage: aws.String("AWSCURRENT")})
	if wantErr[*types.InvalidRequestException](t, err).ErrorMessage() != msgStageVersionMismatch {
		t.Fatalf("mismatch: %v", err)
	}
	_, err = get(sm.GetSecretValueInput{VersionStage: aws.String("AWSPENDING")})
	if wantErr[*types.ResourceNotFoundException](t, err).ErrorMessage() != "Secrets Manager can't find the specified secret value for staging label: AWSPENDING" {
		t.Fatalf("pending: %v", err)
	}
	_, err = get(sm.GetSecretValueInput{VersionId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantErr[*types.ResourceNotFoundException](t, err)
	_, err = e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("nope")})
	if wantErr[*types.ResourceNotFoundException](t, err).ErrorMessage() != msgSecretNotFound {
		t.Fatalf("missing: %v", err)
	}
	_, err = e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(aws.ToString(c.ARN) + "x")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestPutSecretValueStages(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(t, "s", "v1")
	v1 := aws.ToString(c.VersionId)
	p2 := must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v2")}))(t)
	v2 := aws.ToString(p2.VersionId)
	if !slices.Equal(p2.VersionStages, []string{"AWSCURRENT"}) {
		t.Fatalf("stages %v", p2.VersionStages)
	}
	want := map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}}
	if got := e.stages(t, "s"); !equalStages(got, want) {
		t.Fatalf("stages %v, want %v", got, want)
	}
	// A custom label; AWSCURRENT stays put.
	tok := "33333333-3333-3333-3333-333333333333"
	p3 := must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v3"),
		ClientRequestToken: aws.String(tok), VersionStages: []string{"STAGING"}}))(t)
	want[tok] = []string{"STAGING"}
	if got := e.stages(t, "s"); !equalStages(got, want) || aws.ToString(p3.VersionId) != tok {
		t.Fatalf("stages %v, want %v", got, want)
	}
	// Retried with the same token and value: nothing changes.
	must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v3"),
		ClientRequestToken: aws.String(tok), VersionStages: []string{"OTHER"}}))(t)
	if got := e.stages(t, "s"); !equalStages(got, want) {
		t.Fatalf("idempotent put changed stages: %v", got)
	}
	_, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("other"),
		ClientRequestToken: aws.String(tok)})
	wantErr[*types.ResourceExistsException](t, err)

	_, err = e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s")})
	wantErr[*types.InvalidRequestException](t, err)
	_, err = e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("x"),
		VersionStages: make21()})
	wantCode(t, err, "ValidationException")
	_, err = e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("missing"), SecretString: aws.String("x")})
	wantErr[*types.ResourceNotFoundException](t, err)
	if got := e.stages(t, "s"); !equalStages(got, want) {
		t.Fatalf("refused puts changed stages: %v", got)
	}
}

func make21() []string {
	var s []string
	for i := range 21 {
		s = append(s, "L"+string(rune('a'+i)))
	}
	return s
}

func equalStages(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		x, y := slices.Clone(v), slices.Clone(b[k])
		slices.Sort(x)
		slices.Sort(y)
		if !slices.Equal(x, y) {
			return false
		}
	}
	return true
}

func TestUpdateSecret(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(t, "s", "v1")
	u := must(e.client.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String("s"), Description: aws.String("new words")}))(t)
	if u.VersionId != nil {
		t.Fatalf("a description change made version %v", *u.VersionId)
	}
	u = must(e.client.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: c.ARN, SecretString: aws.String("v2"), KmsKeyId: aws.String("alias/mine")}))(t)
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")}))(t)
	if aws.ToString(d.Description) != "new words" || aws.ToString(d.KmsKeyId) != "alias/mine" {
		t.Fatalf("describe %+v", d)
	}
	want := map[string][]string{aws.ToString(c.VersionId): {"AWSPREVIOUS"}, aws.ToString(u.VersionId): {"AWSCURRENT"}}
	if !equalStages(d.VersionIdsToStages, want) {
		t.Fatalf("stages %v", d.VersionIdsToStages)
	}
	_, err := e.client.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String("s"), SecretString: aws.String("v3"), ClientRequestToken: c.VersionId})
	wantErr[*types.ResourceExistsException](t, err)
}

func TestUpdateSecretVersionStage(t *testing.T) {
	e := newEnv(t, Options{})
	v1 := aws.ToString(e.create(t, "s", "one").VersionId)
	v2 := aws.ToString(must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("two"), VersionStages: []string{"NEXT"}}))(t).VersionId)
	v3 := aws.ToString(must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("three"), VersionStages: []string{"X"}}))(t).VersionId)
	stage := func(in sm.UpdateSecretVersionStageInput) error {
		in.SecretId = aws.String("s")
		_, err := e.client.UpdateSecretVersionStage(ctx, &in)
		return err
	}
	// Moving AWSCURRENT without naming where it is now is refused.
	err := stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2)})
	if !strings.Contains(wantErr[*types.InvalidParameterException](t, err).ErrorMessage(), "attached to version "+v1) {
		t.Fatalf("message: %v", err)
	}
	if err := stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v2), RemoveFromVersionId: aws.String(v1)}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"NEXT", "AWSCURRENT"}, v3: {"X"}}
	if got := e.stages(t, "s"); !equalStages(got, want) {
		t.Fatalf("stages %v want %v", got, want)
	}
	// Again: AWSPREVIOUS follows AWSCURRENT.
	if err := stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: aws.String(v3), RemoveFromVersionId: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	want = map[string][]string{v2: {"NEXT", "AWSPREVIOUS"}, v3: {"X", "AWSCURRENT"}}
	if got := e.stages(t, "s"); !equalStages(got, want) {
		t.Fatalf("stages %v want %v", got, want)
	}
	// Removing a label deprecates a version with no other label.
	if err := stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("X"), RemoveFromVersionId: aws.String(v3)}); err != nil {
		t.Fatal(err)
	}
	err = stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("AWSCURRENT"), RemoveFromVersionId: aws.String(v3)})
	if wantErr[*types.InvalidParameterException](t, err).ErrorMessage() != msgCurrentNotRemovable {
		t.Fatalf("remove AWSCURRENT: %v", err)
	}
	err = stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("NEXT"), RemoveFromVersionId: aws.String(v1)})
	wantErr[*types.InvalidParameterException](t, err)
	err = stage(sm.UpdateSecretVersionStageInput{VersionStage: aws.String("NEXT"), MoveToVersionId: aws.String("99999999-9999-9999-9999-999999999999")})
	wantErr[*types.ResourceNotFoundException](t, err)

	// The deprecated v1 shows only with IncludeDeprecated.
	l := must(e.client.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("s")}))(t)
	if len(l.Versions) != 2 {
		t.Fatalf("versions %d, want 2", len(l.Versions))
	}
	l = must(e.client.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(true)}))(t)
	if len(l.Versions) != 3 || !slices.Equal(l.Versions[0].KmsKeyIds, []string{"DefaultEncryptionKey"}) {
		t.Fatalf("versions %+v", l.Versions)
	}
}

func TestStageLimit(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", "one")
	labels := make21()[:19]
	v := must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("two"), VersionStages: append(labels, "L20")}))(t)
	_, err := e.client.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String("s"),
		VersionStage: aws.String("ONE-TOO-MANY"), MoveToVersionId: v.VersionId})
	wantErr[*types.LimitExceededException](t, err)
}

func TestVersionPruning(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", "v0")
	// 150 versions within a day are all kept ...
	for range 150 {
		must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v")}))(t)
	}
	count := func() int {
		p := sm.NewListSecretVersionIdsPaginator(e.client, &sm.ListSecretVersionIdsInput{SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(true), MaxResults: aws.Int32(40)})
		n := 0
		for p.HasMorePages() {
			n += len(must(p.NextPage(ctx))(t).Versions)
		}
		return n
	}
	if n := count(); n != 151 {
		t.Fatalf("versions %d, want 151", n)
	}
	// ... but once they are older than 24 hours, only 100 stay.
	e.clock.Advance(25 * time.Hour)
	must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v")}))(t)
	if n := count(); n != 100 {
		t.Fatalf("versions %d, want 100", n)
	}
	g := must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: aws.String("AWSPREVIOUS")}))(t)
	if aws.ToString(g.SecretString) != "v" {
		t.Fatal("AWSPREVIOUS was pruned")
	}
}

func TestDescribeSecret(t *testing.T) {
	e := newEnv(t, Options{})
	created := e.clock.Now()
	e.create(t, "s", "v")
	e.clock.Advance(90 * time.Minute)
	must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("s")}))(t)
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")}))(t)
	if !d.CreatedDate.Equal(created) || !d.LastChangedDate.Equal(created) {
		t.Fatalf("dates %v %v", d.CreatedDate, d.LastChangedDate)
	}
	if want := created.Truncate(24 * time.Hour); !d.LastAccessedDate.Equal(want) {
		t.Fatalf("LastAccessedDate %v, want the day %v", d.LastAccessedDate, want)
	}
	if d.RotationEnabled != nil || d.NextRotationDate != nil || d.LastRotatedDate != nil || d.DeletedDate != nil || d.RotationRules != nil {
		t.Fatalf("unset fields are present: %+v", d)
	}
	_, err := e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("missing")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestListSecrets(t *testing.T) {
	e := newEnv(t, Options{})
	for i, n := range []string{"prod/db", "prod/api", "dev/db", "Other"} {
		must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String("v"),
			Description: aws.String([]string{"Database user", "API key", "database for dev", "misc"}[i]),
			Tags:        []types.Tag{{Key: aws.String("env"), Value: aws.String(strings.Split(n, "/")[0])}}}))(t)
		e.clock.Advance(time.Second)
	}
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("Other")}))(t)
	names := func(in sm.ListSecretsInput) []string {
		var out []string
		p := sm.NewListSecretsPaginator(e.client, &in)
		for p.HasMorePages() {
			for _, s := range must(p.NextPage(ctx))(t).SecretList {
				out = append(out, aws.ToString(s.Name))
			}
		}
		return out
	}
	f := func(k types.FilterNameStringType, v ...string) []types.Filter {
		return []types.Filter{{Key: k, Values: v}}
	}
	cases := []struct {
		name string
		in   sm.ListSecretsInput
		want []string
	}{
		{"all, newest first", sm.ListSecretsInput{}, []string{"dev/db", "prod/api", "prod/db"}},
		{"ascending", sm.ListSecretsInput{SortOrder: types.SortOrderTypeAsc}, []string{"prod/db", "prod/api", "dev/db"}},
		{"by name", sm.ListSecretsInput{SortBy: types.SortByTypeName, SortOrder: types.SortOrderTypeAsc}, []string{"dev/db", "prod/api", "prod/db"}},
		{"pages of one", sm.ListSecretsInput{MaxResults: aws.Int32(1)}, []string{"dev/db", "prod/api", "prod/db"}},
		{"planned deletion", sm.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)}, []string{"Other", "dev/db", "prod/api", "prod/db"}},
		{"name prefix", sm.ListSecretsInput{Filters: f("name", "prod/")}, []string{"prod/api", "prod/db"}},
		{"name is case-sensitive", sm.ListSecretsInput{Filters: f("name", "PROD")}, nil},
		{"negated", sm.ListSecretsInput{Filters: f("name", "!prod")}, []string{"dev/db"}},
		{"description ignores case", sm.ListSecretsInput{Filters: f("description", "DATABASE")}, []string{"dev/db", "prod/db"}},
		{"tag-key", sm.ListSecretsInput{Filters: f("tag-key", "en")}, []string{"dev/db", "prod/api", "prod/db"}},
		{"tag-value or", sm.ListSecretsInput{Filters: f("tag-value", "dev", "nothing")}, []string{"dev/db"}},
		{"all words", sm.ListSecretsInput{Filters: f("all", "key")}, []string{"prod/api"}},
		{"and of filters", sm.ListSecretsInput{Filters: append(f("tag-value", "prod"), types.Filter{Key: "description", Values: []string{"api"}})}, []string{"prod/api"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	l := must(e.client.ListSecrets(ctx, &sm.ListSecretsInput{Filters: f("name", "prod/db")}))(t)
	if len(l.SecretList) != 1 || len(l.SecretList[0].SecretVersionsToStages) != 1 || aws.ToString(l.SecretList[0].Description) != "Database user" {
		t.Fatalf("entry %+v", l.SecretList)
	}
	_, err := e.client.ListSecrets(ctx, &sm.ListSecretsInput{NextToken: aws.String("garbage")})
	wantErr[*types.InvalidNextTokenException](t, err)
	_, err = e.client.ListSecrets(ctx, &sm.ListSecretsInput{MaxResults: aws.Int32(101)})
	wantCode(t, err, "ValidationException")
}

func TestDeleteAndRestore(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(t, "s", "v")
	_, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s"), RecoveryWindowInDays: aws.Int64(6)})
	if wantErr[*types.InvalidParameterException](t, err).ErrorMessage() != msgRecoveryWindow {
		t.Fatal(err)
	}
	_, err = e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s"), RecoveryWindowInDays: aws.Int64(7), ForceDeleteWithoutRecovery: aws.Bool(true)})
	wantErr[*types.InvalidParameterException](t, err)

	now := e.clock.Now()
	d := must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s")}))(t)
	if !d.DeletionDate.Equal(now.Add(30 * 24 * time.Hour)) {
		t.Fatalf("DeletionDate %v, want 30 days on", d.DeletionDate)
	}
	// Scheduled for deletion: reads and writes are refused, Describe works.
	refused := []func() error{
		func() error {
			_, err := e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("s")})
			return err
		},
		func() error {
			_, err := e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("x")})
			return err
		},
		func() error {
			_, err := e.client.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: aws.String("s"), Description: aws.String("x")})
			return err
		},
		func() error {
			_, err := e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("s"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
		func() error {
			_, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s")})
			return err
		},
		func() error {
			_, err := e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("x")})
			return err
		},
	}
	for i, f := range refused {
		if _, ok := errors.AsType[*types.InvalidRequestException](f()); !ok {
			t.Fatalf("call %d on a deleted secret: want InvalidRequestException", i)
		}
	}
	desc := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")}))(t)
	if desc.DeletedDate == nil || !desc.DeletedDate.Equal(now) {
		t.Fatalf("DeletedDate %v", desc.DeletedDate)
	}
	r := must(e.client.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: aws.String("s")}))(t)
	if aws.ToString(r.ARN) != aws.ToString(c.ARN) {
		t.Fatalf("restore ARN %v", aws.ToString(r.ARN))
	}
	must(e.client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("s")}))(t)

	// After the window the secret is gone and its name is free.
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	e.clock.Advance(7*24*time.Hour + time.Second)
	_, err = e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")})
	wantErr[*types.ResourceNotFoundException](t, err)
	e.create(t, "s", "again")

	// Forced deletion is immediate, and forcing a missing secret succeeds.
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("s"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	_, err = e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")})
	wantErr[*types.ResourceNotFoundException](t, err)
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("never"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	_, err = e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("never")})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestTags(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", "v")
	tg := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	must(e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("s"), Tags: []types.Tag{tg("a", "1"), tg("B", "2")}}))(t)
	must(e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("s"), Tags: []types.Tag{tg("a", "3"), tg("b", "4")}}))(t)
	must(e.client.UntagResource(ctx, &sm.UntagResourceInput{SecretId: aws.String("s"), TagKeys: []string{"B", "missing"}}))(t)
	d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("s")}))(t)
	var got []string
	for _, x := range d.Tags {
		got = append(got, aws.ToString(x.Key)+"="+aws.ToString(x.Value))
	}
	if !slices.Equal(got, []string{"a=3", "b=4"}) {
		t.Fatalf("tags %v", got)
	}
	_, err := e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("missing"), Tags: []types.Tag{tg("a", "1")}})
	wantErr[*types.ResourceNotFoundException](t, err)
}

func TestGetRandomPassword(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		name  string
		in    sm.GetRandomPasswordInput
		len   int
		allow string
		need  []string
	}{
		{"default", sm.GetRandomPasswordInput{}, 32, lowerChars + upperChars + digitChars + punctuationChars,
			[]string{lowerChars, upperChars, digitChars, punctuationChars}},
		{"template excludes", sm.GetRandomPasswordInput{ExcludeCharacters: aws.String(`/@"'\`), PasswordLength: aws.Int64(24)}, 24,
			strings.Map(func(r rune) rune {
				if strings.ContainsRune(`/@"'\`, r) {
					return -1
				}
				return r
			}, lowerChars+upperChars+digitChars+punctuationChars), nil},
		{"digits only", sm.GetRandomPasswordInput{ExcludeLowercase: aws.Bool(true), ExcludeUppercase: aws.Bool(true), ExcludePunctuation: aws.Bool(true), PasswordLength: aws.Int64(4096)},
			4096, digitChars, []string{digitChars}},
		{"with space", sm.GetRandomPasswordInput{IncludeSpace: aws.Bool(true), ExcludePunctuation: aws.Bool(true), ExcludeNumbers: aws.Bool(true), PasswordLength: aws.Int64(200)},
			200, lowerChars + upperChars + " ", []string{lowerChars, upperChars}},
		{"no requirement", sm.GetRandomPasswordInput{RequireEachIncludedType: aws.Bool(false), PasswordLength: aws.Int64(1)}, 1,
			lowerChars + upperChars + digitChars + punctuationChars, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				pw := aws.ToString(must(e.client.GetRandomPassword(ctx, &tc.in))(t).RandomPassword)
				if len(pw) != tc.len {
					t.Fatalf("length %d, want %d", len(pw), tc.len)
				}
				for _, r := range pw {
					if !strings.ContainsRune(tc.allow, r) {
						t.Fatalf("character %q not allowed in %q", r, pw)
					}
				}
				for _, set := range tc.need {
					if !strings.ContainsAny(pw, set) {
						t.Fatalf("%q lacks one of %q", pw, set)
					}
				}
			}
		})
	}
	_, err := e.client.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{PasswordLength: aws.Int64(3)})
	if wantErr[*types.InvalidParameterException](t, err).ErrorMessage() != msgPasswordTooShort {
		t.Fatal(err)
	}
	_, err = e.client.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{PasswordLength: aws.Int64(4097)})
	wantCode(t, err, "ValidationException")
}
