package secretsmanager

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzRequest throws arbitrary operations and bodies at the handler: it must
// always answer with a JSON object, a 200 or a 4xx with an error type, and
// never a 500 or a panic.
func FuzzRequest(f *testing.F) {
	for _, seed := range []struct{ op, body string }{
		{"CreateSecret", `{"Name":"a","SecretString":"v","ClientRequestToken":"00000000-0000-0000-0000-000000000000"}`},
		{"GetSecretValue", `{"SecretId":"a"}`},
		{"PutSecretValue", `{"SecretId":"a","SecretBinary":"AAE=","ClientRequestToken":"00000000-0000-0000-0000-000000000001","VersionStages":["X"]}`},
		{"ListSecrets", `{"Filters":[{"Key":"name","Values":["!a"]}],"MaxResults":1,"NextToken":"bzox"}`},
		{"GetRandomPassword", `{"PasswordLength":5,"ExcludeCharacters":"abc","IncludeSpace":true}`},
		{"RotateSecret", `{"SecretId":"a","RotationRules":{"ScheduleExpression":"cron(0 0 ? * 1#2 *)"}}`},
		{"UpdateSecretVersionStage", `{"SecretId":"a","VersionStage":"AWSCURRENT","MoveToVersionId":"00000000-0000-0000-0000-000000000001"}`},
		{"DeleteSecret", `{"SecretId":"a","RecoveryWindowInDays":7}`},
		{"TagResource", `{"SecretId":"a","Tags":[{"Key":"k"}]}`},
		{"PutResourcePolicy", `{"SecretId":"a","ResourcePolicy":"{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"ForAnyValue:StringLike\":{\"k\":[\"a*\",1,true]}}}}","BlockPublicPolicy":true}`},
		{"ValidateResourcePolicy", `{"ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}`},
		{"BatchGetSecretValue", `{"SecretIdList":["a","arn:aws:secretsmanager:us-east-1:000000000000:secret:a"]}`},
		{"ReplicateSecretToRegions", `{"SecretId":"a","AddReplicaRegions":[{"Region":"us-west-2","KmsKeyId":"k"}],"ForceOverwriteReplicaSecret":true}`},
		{"StopReplicationToReplica", `{"SecretId":"a"}`},
		{"Nope", `{`},
	} {
		f.Add(seed.op, seed.body)
	}
	svc, err := New(keyed(Options{RetryDelay: -1}))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	f.Fuzz(func(t *testing.T, op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "secretsmanager."+op)
		sign(t, req, body, testKey, time.Now())
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, req)
		if w.Code != 200 && (w.Code < 400 || w.Code >= 500) {
			t.Fatalf("%s %q: status %d: %s", op, body, w.Code, w.Body.String())
		}
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %q: answer is not a JSON object: %q", op, body, w.Body.String())
		}
		if w.Code != 200 && (m["__type"] == nil || w.Header().Get("X-Amzn-ErrorType") == "") {
			t.Fatalf("%s %q: error without a type: %v", op, body, m)
		}
	})
}
