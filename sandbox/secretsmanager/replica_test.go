package secretsmanager

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

const replicaRegion = "us-west-2"

// west is a client of e's in the replica Region.
func (e *env) west() *sm.Client { return newRegionClient(e.url, replicaRegion) }

func (e *env) replicate(t *testing.T, id string, regions ...string) *sm.ReplicateSecretToRegionsOutput {
	t.Helper()
	var add []types.ReplicaRegionType
	for _, r := range regions {
		add = append(add, types.ReplicaRegionType{Region: aws.String(r)})
	}
	return must(e.client.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String(id), AddReplicaRegions: add}))(t)
}

func TestReplicaIsReadableInItsRegion(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.create(t, "app", appValue)
	arn := aws.ToString(c.ARN)
	replicaARN := strings.Replace(arn, ":us-east-1:", ":"+replicaRegion+":", 1)

	r := e.replicate(t, "app", replicaRegion)
	if aws.ToString(r.ARN) != arn || len(r.ReplicationStatus) != 1 {
		t.Fatalf("ReplicateSecretToRegions answered %+v", r)
	}
	st := r.ReplicationStatus[0]
	if aws.ToString(st.Region) != replicaRegion || st.Status != types.StatusTypeInSync || aws.ToString(st.KmsKeyId) != "alias/aws/secretsmanager" ||
		aws.ToString(st.StatusMessage) != msgReplicated || st.LastAccessedDate != nil {
		t.Fatalf("replication status %+v", st)
	}

	west := e.west()
	for _, id := range []string{"app", replicaARN, strings.TrimSuffix(replicaARN, replicaARN[len(replicaARN)-7:])} {
		g := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(id)}))(t)
		if aws.ToString(g.ARN) != replicaARN || aws.ToString(g.Name) != "app" || aws.ToString(g.SecretString) != appValue ||
			aws.ToString(g.VersionId) != aws.ToString(c.VersionId) {
			t.Fatalf("GetSecretValue(%s) in the replica's Region: %+v", id, g)
		}
	}
	// The primary's ARN names a secret of another Region.
	_, err := west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	wantErr[*types.ResourceNotFoundException](t, err)
	// A third Region holds nothing.
	_, err = newRegionClient(e.url, "eu-west-1").GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantErr[*types.ResourceNotFoundException](t, err)

	d := must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(d.ARN) != replicaARN || aws.ToString(d.PrimaryRegion) != "us-east-1" || d.ReplicationStatus != nil ||
		len(d.VersionIdsToStages) != 1 || d.LastAccessedDate == nil {
		t.Fatalf("replica DescribeSecret %+v", d)
	}
	p := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(p.PrimaryRegion) != "us-east-1" || len(p.ReplicationStatus) != 1 || p.LastAccessedDate != nil ||
		p.ReplicationStatus[0].LastAccessedDate == nil {
		t.Fatalf("primary DescribeSecret %+v: the replica's reads are its own", p)
	}
	l := must(west.ListSecrets(ctx, &sm.ListSecretsInput{}))(t)
	if len(l.SecretList) != 1 || aws.ToString(l.SecretList[0].ARN) != replicaARN || aws.ToString(l.SecretList[0].PrimaryRegion) != "us-east-1" {
		t.Fatalf("ListSecrets in the replica's Region: %+v", l.SecretList)
	}
	f := must(e.client.ListSecrets(ctx, &sm.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypePrimaryRegion, Values: []string{"us-east"}}}}))(t)
	if len(f.SecretList) != 1 {
		t.Fatalf("primary-region filter: %+v", f.SecretList)
	}
	v := must(west.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(v.ARN) != replicaARN || len(v.Versions) != 1 {
		t.Fatalf("ListSecretVersionIds in the replica's Region: %+v", v)
	}
	// A name already replicated stays as it is.
	if again := e.replicate(t, "app", replicaRegion); len(again.ReplicationStatus) != 1 || again.ReplicationStatus[0].Status != types.StatusTypeInSync {
		t.Fatalf("replicating again: %+v", again.ReplicationStatus)
	}
	_, err = e.client.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String("app"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}})
	wantErr[*types.InvalidParameterException](t, err)
	_, err = e.client.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String("app"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("Mars")}}})
	wantCode(t, err, typeValidation)
}

func TestReplicaIsReadOnly(t *testing.T) {
	e, _ := newRotationEnv(t, Options{})
	e.create(t, "app", appValue)
	e.replicate(t, "app", replicaRegion)
	west := e.west()
	id := aws.String("app")
	refused := map[string]error{}
	_, refused["PutSecretValue"] = west.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id, SecretString: aws.String("x")})
	_, refused["UpdateSecret"] = west.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: id, Description: aws.String("x")})
	_, refused["TagResource"] = west.TagResource(ctx, &sm.TagResourceInput{SecretId: id, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	_, refused["DeleteSecret"] = west.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id})
	_, refused["PutResourcePolicy"] = west.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}`)})
	_, refused["RotateSecret"] = west.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: id, RotationLambdaARN: aws.String(testFunctionARN)})
	_, refused["ReplicateSecretToRegions"] = west.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: id, AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}})
	_, refused["CreateSecret"] = west.CreateSecret(ctx, &sm.CreateSecretInput{Name: id, SecretString: aws.String("x")})
	for op, err := range refused {
		if op == "CreateSecret" {
			wantErr[*types.ResourceExistsException](t, err)
			continue
		}
		if p := wantErr[*types.InvalidParameterException](t, err); aws.ToString(p.Message) != msgReplicaReadOnly {
			t.Fatalf("%s on a replica: %q", op, aws.ToString(p.Message))
		}
	}
	// Nothing changed, and the primary cannot be deleted while it has replicas.
	if d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id}))(t); d.Description != nil || len(d.Tags) != 0 {
		t.Fatalf("the primary changed: %+v", d)
	}
	_, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id, ForceDeleteWithoutRecovery: aws.Bool(true)})
	if p := wantErr[*types.InvalidParameterException](t, err); aws.ToString(p.Message) != "You can't delete secret app that still has replica regions [us-west-2]." {
		t.Fatalf("DeleteSecret with replicas: %q", aws.ToString(p.Message))
	}
}

func TestReplicaFollowsThePrimary(t *testing.T) {
	e, _ := newRotationEnv(t, withIdentities(Options{}))
	e.create(t, "app", appValue)
	e.replicate(t, "app", replicaRegion)
	west := e.west()

	r := e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN)})
	wait(t, e.svc)
	g := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(g.VersionId) != aws.ToString(r.VersionId) || aws.ToString(g.SecretString) == appValue {
		t.Fatalf("after a rotation of the primary the replica answers %s", aws.ToString(g.VersionId))
	}
	prev := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPREVIOUS")}))(t)
	if aws.ToString(prev.SecretString) != appValue {
		t.Fatal("the replica's AWSPREVIOUS is not the value before the rotation")
	}
	must(e.client.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String("app"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("db")}}}))(t)
	if d := must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t); len(d.Tags) != 1 || !aws.ToBool(d.RotationEnabled) {
		t.Fatalf("the replica does not show the primary's tags and rotation: %+v", d)
	}
	// The primary's policy is the replica's, and it is read there.
	e.putPolicy(t, "app", `{"Version":"2012-10-17","Statement":{"Sid":"NoLearnerAnywhere","Effect":"Deny","Principal":{"AWS":"`+learnerARN+`"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`)
	_, err := newKeyClient(e.url, replicaRegion, learnerKey).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantCode(t, err, typeAccessDenied)
	if p := must(west.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("app")}))(t); !strings.Contains(aws.ToString(p.ResourcePolicy), "NoLearnerAnywhere") {
		t.Fatalf("replica's GetResourcePolicy: %+v", p)
	}
}

func TestReplicaNameTaken(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "app", appValue)
	west := e.west()
	must(west.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("app"), SecretString: aws.String("west's own")}))(t)

	r := e.replicate(t, "app", replicaRegion, "eu-west-1")
	if len(r.ReplicationStatus) != 2 || r.ReplicationStatus[0].Status != types.StatusTypeFailed ||
		aws.ToString(r.ReplicationStatus[0].StatusMessage) != msgReplicaNameTaken || r.ReplicationStatus[1].Status != types.StatusTypeInSync {
		t.Fatalf("replicating over a taken name: %+v", r.ReplicationStatus)
	}
	if g := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t); aws.ToString(g.SecretString) != "west's own" {
		t.Fatal("a failed replication replaced the Region's own secret")
	}
	f := must(e.client.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String("app"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String(replicaRegion), KmsKeyId: aws.String("alias/west")}}, ForceOverwriteReplicaSecret: true}))(t)
	if f.ReplicationStatus[0].Status != types.StatusTypeInSync || aws.ToString(f.ReplicationStatus[0].KmsKeyId) != "alias/west" {
		t.Fatalf("forced replication: %+v", f.ReplicationStatus)
	}
	if g := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t); aws.ToString(g.SecretString) != appValue {
		t.Fatal("the forced replica does not hold the primary's value")
	}
	if d := must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t); aws.ToString(d.KmsKeyId) != "alias/west" {
		t.Fatalf("the replica's key: %v", aws.ToString(d.KmsKeyId))
	}

	rm := must(e.client.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: aws.String("app"), RemoveReplicaRegions: []string{replicaRegion, "ap-south-1"}}))(t)
	if len(rm.ReplicationStatus) != 1 || aws.ToString(rm.ReplicationStatus[0].Region) != "eu-west-1" {
		t.Fatalf("RemoveRegionsFromReplication answered %+v", rm.ReplicationStatus)
	}
	_, err := west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")})
	wantErr[*types.ResourceNotFoundException](t, err)
	rm = must(e.client.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: aws.String("app"), RemoveReplicaRegions: []string{"eu-west-1"}}))(t)
	if rm.ReplicationStatus == nil || len(rm.ReplicationStatus) != 0 {
		t.Fatalf("with no replica left: %+v", rm.ReplicationStatus)
	}
	if d := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t); d.PrimaryRegion != nil || d.ReplicationStatus != nil {
		t.Fatalf("a secret with no replica left is not multi-Region: %+v", d)
	}
}

func TestStopReplicationPromotesTheReplica(t *testing.T) {
	e, _ := newRotationEnv(t, Options{})
	c := e.create(t, "app", appValue)
	e.rotate(t, sm.RotateSecretInput{RotationLambdaARN: aws.String(testFunctionARN), RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7)}})
	wait(t, e.svc)
	must(e.client.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("other"), SecretString: aws.String("o"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String(replicaRegion)}}}))(t)
	e.replicate(t, "app", replicaRegion)
	west := e.west()
	before := e.stages(t, "app")

	_, err := e.client.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: aws.String("app")})
	if p := wantErr[*types.InvalidParameterException](t, err); !strings.Contains(aws.ToString(p.Message), "is not a replica") {
		t.Fatalf("StopReplicationToReplica on the primary: %q", aws.ToString(p.Message))
	}
	s := must(west.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: aws.String("app")}))(t)
	promotedARN := strings.Replace(aws.ToString(c.ARN), ":us-east-1:", ":"+replicaRegion+":", 1)
	if aws.ToString(s.ARN) != promotedARN {
		t.Fatalf("StopReplicationToReplica answered %q, want %q", aws.ToString(s.ARN), promotedARN)
	}

	d := must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if d.PrimaryRegion != nil || d.RotationEnabled != nil || !equalStages(d.VersionIdsToStages, before) {
		t.Fatalf("the standalone secret: %+v", d)
	}
	if p := must(e.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t); p.ReplicationStatus != nil {
		t.Fatalf("the primary still lists a replica: %+v", p.ReplicationStatus)
	}
	// Standalone: writable in its Region, and the primary's changes no longer reach it.
	must(west.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("west only")}))(t)
	must(e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("east only")}))(t)
	if g := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(promotedARN)}))(t); aws.ToString(g.SecretString) != "west only" {
		t.Fatalf("the standalone secret reads %q", aws.ToString(g.SecretString))
	}
	// The other secret's replica is untouched.
	must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("other")}))(t)
	// The promoted secret can be deleted like any; the primary, with no replica left, too.
	must(west.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	must(e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
}

// A replica shares its primary's values; promoted, it holds copies of them, which count
// against the bound on all values as any version's, and come back when it goes.
func TestPromotedReplicaCountsAgainstTheValueBound(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "app", strings.Repeat("x", 600))
	e.replicate(t, "app", replicaRegion)
	e.svc.mu.Lock()
	e.svc.maxValueBytes = 1000
	e.svc.mu.Unlock()
	_, err := e.west().StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: aws.String("app")})
	wantErr[*types.LimitExceededException](t, err)
	e.svc.mu.Lock()
	e.svc.maxValueBytes = 1500
	e.svc.mu.Unlock()
	must(e.west().StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: aws.String("app")}))(t)
	_, err = e.client.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String(strings.Repeat("y", 400))})
	wantErr[*types.LimitExceededException](t, err)
	must(e.west().DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	put(t, e, "app", strings.Repeat("y", 400))
}

func TestPolicyAndReplicasSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secretsmanager.state")
	key := bytes.Repeat([]byte{7}, 32)
	opts := Options{StatePath: path, StateKey: key, Clock: newTestClock()}
	e := newEnv(t, opts)
	e.create(t, "app", appValue)
	e.replicate(t, "app", replicaRegion)
	must(e.west().GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	doc := `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}}`
	must(e.client.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: aws.String("app"), ResourcePolicy: aws.String(doc)}))(t)
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, opts)
	if p := must(e2.client.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: aws.String("app")}))(t); aws.ToString(p.ResourcePolicy) != doc {
		t.Fatalf("policy after a restart: %q", aws.ToString(p.ResourcePolicy))
	}
	d := must(e2.client.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("app")}))(t)
	if len(d.ReplicationStatus) != 1 || d.ReplicationStatus[0].LastAccessedDate == nil ||
		d.ReplicationStatus[0].LastAccessedDate.Unix() != dayOf(opts.Clock.Now()).Unix() {
		t.Fatalf("replicas after a restart: %+v", d.ReplicationStatus)
	}
	must(e2.west().GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	_, err := e2.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app")})
	wantCode(t, err, typeAccessDenied)
}

// A state file in the format before the journal keeps a secret's policy and replicas: the
// replica answers in its Region, and the policy still refuses.
func TestPolicyAndReplicasFromTheOldFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	policy := `{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"secretsmanager:DeleteSecret\",\"Resource\":\"*\"}}`
	writeLegacyState(t, path, `{"seq":2,"secrets":[{"seq":1,"name":"app","arn":"arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf",`+
		`"created":"2026-01-01T00:00:00Z","changed":"2026-01-01T00:00:00Z","policy":"`+policy+`",`+
		`"replicas":[{"region":"`+replicaRegion+`","status":"InSync","message":"Replication succeeded","created":"2026-01-01T00:00:00Z"}],`+
		`"versions":{"11111111-2222-3333-4444-555555555555":`+
		`{"id":"11111111-2222-3333-4444-555555555555","seq":2,"string":"kept","stages":["AWSCURRENT"],"created":"2026-01-01T00:00:00Z"}}}]}`)
	e := stateEnv(t, path)
	g := must(e.west().GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app")}))(t)
	if aws.ToString(g.SecretString) != "kept" || !strings.Contains(aws.ToString(g.ARN), ":"+replicaRegion+":") {
		t.Fatalf("the replica answered %+v", g)
	}
	_, err := e.client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("app")})
	wantCode(t, err, typeAccessDenied)
}
