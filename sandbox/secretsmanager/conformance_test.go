package secretsmanager

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// commonErrors are the errors AWS documents as common to every action ("Common Errors" in
// the API reference), which operations do not declare. ValidationException is how this
// JSON service spells ValidationError (recorded from AWS for an invalid name).
var commonErrors = []string{
	"AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
	"InvalidClientTokenId", "NotAuthorized", "OptInRequired", "RequestExpired",
	"ServiceUnavailable", "ThrottlingException", "ValidationError", "ValidationException",
}

// answer is one response the endpoint sent.
type answer struct {
	op     string
	status int
	header http.Header
	body   []byte
}

// recorder serves the endpoint and keeps every answer: the SDK talks to the real handler
// over a real socket, and the test reads what went over the wire.
type recorder struct {
	svc *Service
	mu  sync.Mutex
	all []answer
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	rec.svc.ServeHTTP(cw, r)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.all = append(rec.all, answer{op: strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix),
		status: cw.status, header: w.Header().Clone(), body: cw.body.Bytes()})
}

func (rec *recorder) answers() []answer {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.all)
}

type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

// TestAnswersConformToTheModel runs a scenario that calls every operation of the service,
// with answers that succeed and answers that fail, through the SDK, and holds every answer
// to AWS's published model: Debian's botocore model for the 22 operations it has, and the
// schemas aws-sdk-go-v2 generated from the current model for all 23 (BatchGetSecretValue
// is newer than Debian's botocore). An answer with a member the model does not declare,
// a value of the wrong type, a missing required member, or an error the operation does not
// declare fails the test, and so does an operation of the SDK that the scenario does not
// cover: the endpoint cannot drift from AWS unnoticed.
func TestAnswersConformToTheModel(t *testing.T) {
	boto, err := loadBotocore(botocoreModel)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("botocore's model is not installed (apt-get install python3-botocore): %v", err)
		}
		t.Fatalf("botocore's model: %v", err)
	}
	if boto.Metadata.Protocol != "json" || boto.Metadata.JSONVersion != "1.1" || boto.Metadata.TargetPrefix+"." != targetPrefix {
		t.Fatalf("the endpoint speaks AWS JSON 1.1 with %q; botocore says %+v", targetPrefix, boto.Metadata)
	}
	ops := sdkOperations()
	covered := slices.Sorted(func(yield func(string) bool) {
		for op := range sdkResponses {
			if !yield(op) {
				return
			}
		}
	})
	if !slices.Equal(ops, covered) {
		t.Fatalf("the SDK's operations %v are not the ones this check knows %v", ops, covered)
	}
	for op := range boto.Operations {
		if !slices.Contains(ops, op) {
			t.Errorf("botocore has %s, the SDK does not", op)
		}
	}
	for _, op := range ops {
		if operations[op] == nil {
			t.Errorf("the endpoint does not answer %s", op)
		}
	}

	rec := runScenario(t)
	sdkStructs := sdkStructures()
	serviceErrors := sdkErrors()
	newer := func(shape, member string) bool {
		s := sdkStructs[shape]
		return s != nil && s.Member(member) != nil
	}
	added := map[string]bool{}
	succeeded, failed := map[string]int{}, map[string][]string{}
	for i, a := range rec.answers() {
		var p problems
		where := a.op
		dec := json.NewDecoder(bytes.NewReader(a.body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("answer %d (%s) is not JSON: %q", i, a.op, a.body)
			continue
		}
		if a.status == http.StatusOK {
			succeeded[a.op]++
			if out := boto.Operations[a.op].Output; out != nil {
				boto.check(where, v, out.Shape, &p, newer, added)
			} else if _, known := boto.Operations[a.op]; known && !isEmptyObject(v) {
				p.add(where, "the operation answers nothing, the answer has %s", a.body)
			}
			if s := sdkResponses[a.op]; s != nil {
				checkSDK(where, v, s, &p)
			} else if !isEmptyObject(v) {
				p.add(where, "the operation answers nothing, the answer has %s", a.body)
			}
		} else {
			typ := checkError(where, a, v, boto, serviceErrors, &p)
			failed[a.op] = append(failed[a.op], typ)
		}
		for _, problem := range p {
			t.Errorf("answer %d: %s", i, problem)
		}
	}
	for _, op := range ops {
		if succeeded[op] == 0 {
			t.Errorf("the scenario has no successful answer of %s", op)
		}
	}
	var newerMembers []string
	for k := range added {
		newerMembers = append(newerMembers, k)
	}
	sort.Strings(newerMembers)
	t.Logf("members newer than Debian's botocore, declared by the SDK's model: %v", newerMembers)
	t.Logf("errors answered, by operation: %v", failed)
}

// checkError holds an error answer to the protocol and the model: the type in the header
// and in the body, 400 (500 for a server fault), a Message, and an error the operation
// declares (botocore's list; for an operation botocore does not know, the service's errors
// in the SDK's model) or a common one. It returns the type.
func checkError(where string, a answer, v any, boto *botoModel, serviceErrors map[string]*smithy.Schema, p *problems) string {
	obj, _ := v.(map[string]any)
	typ, _ := obj["__type"].(string)
	msg, _ := obj["Message"].(string)
	if typ == "" || a.header.Get("X-Amzn-ErrorType") != typ {
		p.add(where, "error type %q in the body, %q in X-Amzn-ErrorType", typ, a.header.Get("X-Amzn-ErrorType"))
	}
	if msg == "" {
		p.add(where, "%s has no Message", typ)
	}
	for k := range obj {
		if k != "__type" && k != "Message" {
			p.add(where, "%s has the member %s", typ, k)
		}
	}
	wantStatus := http.StatusBadRequest
	if typ == typeInternal {
		wantStatus = http.StatusInternalServerError
	}
	if a.status != wantStatus {
		p.add(where, "%s answered with status %d, want %d", typ, a.status, wantStatus)
	}
	var declared []string
	if op, ok := boto.Operations[a.op]; ok {
		for _, e := range op.Errors {
			declared = append(declared, e.Shape)
			if !boto.Shapes[e.Shape].Exception {
				p.add(where, "botocore's %s is not an exception", e.Shape)
			}
		}
	} else {
		for name := range serviceErrors {
			declared = append(declared, name)
		}
	}
	if !slices.Contains(declared, typ) && !slices.Contains(commonErrors, typ) {
		p.add(where, "%s is neither declared for %s (%v) nor a common error", typ, a.op, declared)
	}
	if s, ok := boto.Shapes[typ]; ok {
		if _, has := s.Members["Message"]; !has {
			p.add(where, "the model's %s has no Message member", typ)
		}
	}
	return typ
}

func isEmptyObject(v any) bool {
	obj, ok := v.(map[string]any)
	return ok && len(obj) == 0
}

// runScenario serves an endpoint through a recorder and calls every operation on it, as
// three identities and in two Regions.
func runScenario(t *testing.T) *recorder {
	t.Helper()
	opts, fn := withFunction(withIdentities(Options{Clock: newTestClock(), RetryDelay: -1}))
	svc, err := New(keyed(opts))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{svc: svc}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rec}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		if err := svc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		srv.Close()
		<-done
	})
	e := &env{svc: svc, url: "http://" + ln.Addr().String(), clock: opts.Clock.(*testClock)}
	e.client = newRegionClient(e.url, DefaultRegion)
	fn.setClient(e.client)
	c, west, role := e.client, e.west(), e.as(roleKey)
	id := aws.String
	fails := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("a call the scenario expects to fail succeeded")
		}
	}

	app := must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id("app"), SecretString: id(appValue), Description: id("the app's user"),
		KmsKeyId: id("alias/app"), Tags: []types.Tag{{Key: id("team"), Value: id("db")}}}))(t)
	_, err = c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id("app"), SecretString: id("x")})
	fails(err)
	_, err = c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id("bad name!?")})
	fails(err)
	must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id("bin"), SecretBinary: []byte{0, 1, 2},
		AddReplicaRegions: []types.ReplicaRegionType{{Region: id(replicaRegion)}}}))(t)
	must(c.CreateSecret(ctx, &sm.CreateSecretInput{Name: id("empty")}))(t)

	must(c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("app")}))(t)
	must(c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("bin")}))(t)
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("missing")})
	fails(err)
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("app"), VersionStage: id("AWSPENDING")})
	fails(err)
	staged := must(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id("app"), SecretString: id(appValue + " "), VersionStages: []string{"NEXT"}}))(t)
	must(c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: id("app"), Description: id("still the app's user")}))(t)
	must(c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: id("app"), VersionStage: id("NEXT"), RemoveFromVersionId: staged.VersionId}))(t)
	_, err = c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: id("app"), VersionStage: id("AWSCURRENT"), MoveToVersionId: staged.VersionId})
	fails(err)
	must(c.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: id("app"), IncludeDeprecated: aws.Bool(true)}))(t)
	must(c.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{PasswordLength: aws.Int64(20)}))(t)
	_, err = c.GetRandomPassword(ctx, &sm.GetRandomPasswordInput{PasswordLength: aws.Int64(2)})
	fails(err)
	must(c.TagResource(ctx, &sm.TagResourceInput{SecretId: id("app"), Tags: []types.Tag{{Key: id("k"), Value: id("v")}}}))(t)
	must(c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: id("app"), TagKeys: []string{"k"}}))(t)

	_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: id("app")})
	fails(err)
	_, err = c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: id("app"), RotationLambdaARN: id("arn:aws:lambda:us-east-1:000000000000:function:nope")})
	fails(err)
	must(c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: id("app"), RotationLambdaARN: id(testFunctionARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7), Duration: id("2h")}}))(t)
	wait(t, svc)
	must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id("app")}))(t)
	must(c.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: id("app")}))(t)

	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"NoRotationReads","Effect":"Deny","Principal":{"AWS":"` + roleARN + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
	  {"Sid":"PartnerReads","Effect":"Allow","Principal":{"AWS":"` + partnerRoot + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	must(c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{ResourcePolicy: id(policy)}))(t)
	must(c.ValidateResourcePolicy(ctx, &sm.ValidateResourcePolicyInput{SecretId: id("app"), ResourcePolicy: id(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)}))(t)
	_, err = c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: id("app"), ResourcePolicy: id(`{"Statement":[]}`)})
	fails(err)
	_, err = c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: id("app"), BlockPublicPolicy: aws.Bool(true),
		ResourcePolicy: id(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`)})
	fails(err)
	must(c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: id("app"), ResourcePolicy: id(policy), BlockPublicPolicy: aws.Bool(true)}))(t)
	must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: id("app")}))(t)
	must(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: id("bin")}))(t)
	_, err = role.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("app")})
	fails(err)
	must(e.as(partnerKey).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: app.ARN}))(t)

	must(c.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: id("app"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: id(replicaRegion)}, {Region: id("eu-west-1"), KmsKeyId: id("alias/eu")}}}))(t)
	must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("app")}))(t)
	must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id("app")}))(t)
	must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id("app")}))(t)
	must(west.ListSecrets(ctx, &sm.ListSecretsInput{}))(t)
	must(west.ListSecretVersionIds(ctx, &sm.ListSecretVersionIdsInput{SecretId: id("app")}))(t)
	must(west.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: id("app")}))(t)
	_, err = west.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id("app"), SecretString: id("x")})
	fails(err)
	_, err = c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id("app")})
	fails(err)
	must(c.ListSecrets(ctx, &sm.ListSecretsInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a"}}}, MaxResults: aws.Int32(1)}))(t)
	_, err = c.ListSecrets(ctx, &sm.ListSecretsInput{NextToken: id("not a token")})
	fails(err)

	must(c.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: []string{"app", "bin", "missing", "empty"}}))(t)
	must(c.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeAll, Values: []string{"b"}}}, MaxResults: aws.Int32(1)}))(t)
	must(west.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{SecretIdList: []string{"app"}}))(t)
	_, err = c.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{})
	fails(err)
	_, err = c.BatchGetSecretValue(ctx, &sm.BatchGetSecretValueInput{Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"a"}}}, NextToken: id("nope")})
	fails(err)

	must(c.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: id("app"), RemoveReplicaRegions: []string{"eu-west-1"}}))(t)
	_, err = c.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: id("bin")})
	fails(err)
	must(west.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: id("bin")}))(t)
	must(c.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: id("app"), RemoveReplicaRegions: []string{replicaRegion}}))(t)
	must(c.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: id("app")}))(t)

	must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id("app"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	must(c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: id("app")}))(t)
	_, err = c.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: id("app")})
	fails(err)
	_, err = c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id("app"), RecoveryWindowInDays: aws.Int64(3)})
	fails(err)
	must(c.ListSecrets(ctx, &sm.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true), SortOrder: types.SortOrderTypeAsc}))(t)
	must(c.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: id("app")}))(t)
	must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id("app"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	must(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id("gone"), ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	return rec
}

// TestModelCheckCatchesDrift feeds the checks answers that break the model, so that
// TestAnswersConformToTheModel passing means something.
func TestModelCheckCatchesDrift(t *testing.T) {
	boto, err := loadBotocore(botocoreModel)
	if err != nil {
		t.Skipf("botocore's model is not installed: %v", err)
	}
	decode := func(s string) any {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	never := func(string, string) bool { return false }
	const arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf"
	cases := []struct {
		op, body, want string
	}{
		{"GetSecretValue", `{"ARN":"` + arn + `","Name":"app","Colour":"blue"}`, "member Colour is not declared in GetSecretValueResponse"},
		{"GetSecretValue", `{"ARN":"` + arn + `","CreatedDate":"2026-03-02"}`, "is a timestamp"},
		{"DescribeSecret", `{"ARN":"` + arn + `","RotationEnabled":"yes"}`, "is a boolean"},
		{"DescribeSecret", `{"ARN":"` + arn + `","ReplicationStatus":[{"Region":"us-west-2","Status":"Done"}]}`, `"Done" is not one of StatusType's values`},
		{"DescribeSecret", `{"ARN":"` + arn + `","VersionIdsToStages":{"v1":"AWSCURRENT"}}`, "is a list"},
		{"DeleteSecret", `{"ARN":""}`, "below its minimum 20"},
		{"GetSecretValue", `{"SecretBinary":"***"}`, "is a blob"},
	}
	for _, tc := range cases {
		var p problems
		boto.check(tc.op, decode(tc.body), boto.Operations[tc.op].Output.Shape, &p, never, map[string]bool{})
		checkSDK(tc.op, decode(tc.body), sdkResponses[tc.op], &p)
		if !strings.Contains(strings.Join(p, "\n"), tc.want) {
			t.Errorf("%s %s: problems %v, want one saying %q", tc.op, tc.body, p, tc.want)
		}
	}
	// A member only the newer model declares passes botocore's check, and is reported.
	var p problems
	added := map[string]bool{}
	newer := func(shape, member string) bool {
		return shape == "DescribeSecretResponse" && member == "NextRotationDate"
	}
	boto.check("DescribeSecret", decode(`{"NextRotationDate":1700000000}`), "DescribeSecretResponse", &p, newer, added)
	if len(p) != 0 || !added["DescribeSecretResponse.NextRotationDate"] {
		t.Errorf("a newer member: problems %v, added %v", p, added)
	}
	// Required members, which no answer of this service has today.
	model := &botoModel{Shapes: map[string]botoShape{
		"Out": {Type: "structure", Required: []string{"Id"}, Members: map[string]botoRef{"Id": {Shape: "S"}}},
		"S":   {Type: "string"},
	}}
	p = nil
	model.check("Op", decode(`{}`), "Out", &p, never, added)
	if len(p) != 1 || !strings.Contains(p[0], "required member Id of Out is missing") {
		t.Errorf("a missing required member: %v", p)
	}

	errCases := []struct {
		status     int
		header     string
		body, want string
	}{
		{400, "ResourceExistsException", `{"__type":"ResourceExistsException","Message":"m"}`, "neither declared for GetSecretValue"},
		{400, "ResourceNotFoundException", `{"__type":"ResourceNotFoundException"}`, "has no Message"},
		{404, "ResourceNotFoundException", `{"__type":"ResourceNotFoundException","Message":"m"}`, "status 404"},
		{400, "", `{"__type":"ResourceNotFoundException","Message":"m"}`, "X-Amzn-ErrorType"},
		{400, "ResourceNotFoundException", `{"__type":"ResourceNotFoundException","Message":"m","SecretId":"app"}`, "has the member SecretId"},
	}
	for _, tc := range errCases {
		var p problems
		h := http.Header{}
		h.Set("X-Amzn-ErrorType", tc.header)
		checkError("GetSecretValue", answer{op: "GetSecretValue", status: tc.status, header: h}, decode(tc.body), boto, sdkErrors(), &p)
		if !strings.Contains(strings.Join(p, "\n"), tc.want) {
			t.Errorf("%d %s: problems %v, want one saying %q", tc.status, tc.body, p, tc.want)
		}
	}
}
