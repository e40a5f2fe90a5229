package secretsmanager

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// raw sends a hand-made request, as a client other than the SDK might.
func raw(t *testing.T, url, target, body string, auth bool) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if auth {
		sign(t, req, body, testKey, time.Now())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("answer is not JSON: %q", b)
	}
	return resp.StatusCode, resp.Header, m
}

func TestWireErrors(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", "v")
	cases := []struct {
		name, target, body string
		auth               bool
		status             int
		typ                string
	}{
		{"no auth", "secretsmanager.GetSecretValue", `{"SecretId":"s"}`, false, 400, typeMissingAuth},
		{"unknown op", "secretsmanager.Nope", `{}`, true, 400, typeUnknownOperation},
		{"no target", "", `{}`, true, 400, typeUnknownOperation},
		{"other service", "DynamoDB_20120810.GetItem", `{}`, true, 400, typeUnknownOperation},
		{"malformed JSON", "secretsmanager.GetSecretValue", `{"SecretId":`, true, 400, typeSerialization},
		{"wrong type", "secretsmanager.GetSecretValue", `{"SecretId":5}`, true, 400, typeSerialization},
		{"trailing data", "secretsmanager.GetSecretValue", `{"SecretId":"s"} {}`, true, 400, typeSerialization},
		{"array body", "secretsmanager.GetSecretValue", `[1]`, true, 400, typeSerialization},
		{"missing id", "secretsmanager.GetSecretValue", `{}`, true, 400, typeValidation},
		{"not found", "secretsmanager.GetSecretValue", `{"SecretId":"zz"}`, true, 400, typeResourceNotFound},
		{"oversized", "secretsmanager.PutSecretValue", `{"SecretId":"s","SecretString":"` + strings.Repeat("x", maxRequestBytes) + `"}`, true, 413, typeEntityTooLarge},
		{"no token on a raw put", "secretsmanager.PutSecretValue", `{"SecretId":"s","SecretString":"x"}`, true, 400, typeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, h, m := raw(t, e.url, tc.target, tc.body, tc.auth)
			if status != tc.status || m["__type"] != tc.typ || h.Get("X-Amzn-ErrorType") != tc.typ {
				t.Fatalf("got %d %v (header %q), want %d %s", status, m, h.Get("X-Amzn-ErrorType"), tc.status, tc.typ)
			}
			if msg, _ := m["Message"].(string); msg == "" {
				t.Fatalf("no Message in %v", m)
			}
			if h.Get("x-amzn-RequestId") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
		})
	}
	// The refused put changed nothing.
	status, _, m := raw(t, e.url, "secretsmanager.GetSecretValue", `{"SecretId":"s"}`, true)
	if status != 200 || m["SecretString"] != "v" {
		t.Fatalf("after refused requests: %d %v", status, m)
	}
	if _, ok := m["CreatedDate"].(float64); !ok {
		t.Fatalf("CreatedDate is not a number: %v", m["CreatedDate"])
	}
	// GET is not an API call.
	resp, err := http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET / answered %d", resp.StatusCode)
	}
}

// Errors never echo the value a request carried.
func TestErrorsDoNotEchoValues(t *testing.T) {
	e := newEnv(t, Options{})
	secret := "hunter2-very-secret"
	for _, body := range []string{
		`{"Name":"bad name","SecretString":"` + secret + `"}`,
		`{"Name":"x","SecretString":"` + secret + `","SecretBinary":"AA=="}`,
		`{"Name":"x","SecretString":"` + secret + `"`,
		`{"Name":"x","SecretString":"` + secret + `","ClientRequestToken":"short"}`,
	} {
		var buf bytes.Buffer
		_, _, m := raw(t, e.url, "secretsmanager.CreateSecret", body, true)
		_ = json.NewEncoder(&buf).Encode(m)
		if strings.Contains(buf.String(), secret) {
			t.Fatalf("error echoes the value: %s", buf.String())
		}
	}
}

// After Close the handler answers with AWS's server-fault shape, 500.
func TestClosedServiceIsInternalError(t *testing.T) {
	svc, err := New(keyed(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "secretsmanager.ListSecrets")
	sign(t, req, `{}`, testKey, time.Now())
	w := httptest.NewRecorder()
	svc.ServeHTTP(w, req)
	if w.Code != http.StatusInternalServerError || w.Header().Get("X-Amzn-ErrorType") != typeInternal {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
	if _, err := svc.Listen("127.0.0.1:0"); err == nil {
		t.Fatal("Listen after Close succeeded")
	}
}

func TestSeed(t *testing.T) {
	e := newEnv(t, Options{})
	arn, err := e.svc.Seed("rds!db-0f3c", "Secret associated with primary RDS DB instance: arn:aws:rds:us-east-1:000000000000:db:secretsmanagertutorial",
		`{"username":"admin","password":"pw"}`, map[string]string{"aws:rds:primaryDBInstanceArn": "arn:aws:rds:us-east-1:000000000000:db:secretsmanagertutorial"})
	if err != nil {
		t.Fatal(err)
	}
	// Deleted, then seeded again at the next start: it comes back.
	if _, _, m := raw(t, e.url, "secretsmanager.DeleteSecret", `{"SecretId":"`+arn+`"}`, true); m["DeletionDate"] == nil {
		t.Fatalf("delete: %v", m)
	}
	again, err := e.svc.Seed("rds!db-0f3c", "", "other", nil)
	if err != nil || again != arn {
		t.Fatalf("Seed again: %v %v", again, err)
	}
	status, _, m := raw(t, e.url, "secretsmanager.GetSecretValue", `{"SecretId":"rds!db-0f3c"}`, true)
	if status != 200 || m["SecretString"] != `{"username":"admin","password":"pw"}` {
		t.Fatalf("after reseeding: %d %v", status, m)
	}
	if _, err := e.svc.Seed("bad name", "", "v", nil); err == nil {
		t.Fatal("Seed accepted a bad name")
	}
	// A partial ARN of another region or account is not this secret.
	other := strings.Replace(arn[:len(arn)-7], "us-east-1", "eu-west-1", 1)
	if status, _, m := raw(t, e.url, "secretsmanager.DescribeSecret", `{"SecretId":"`+other+`"}`, true); status != 400 || m["__type"] != typeResourceNotFound {
		t.Fatalf("other region: %d %v", status, m)
	}
}
