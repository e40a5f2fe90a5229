package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func verifier() *Verifier {
	return &Verifier{Region: "us-east-1", Service: "secretsmanager", Now: func() time.Time { return now },
		SecretKey: func(id string) (string, bool) { return "the-secret", id == "AKIDTEST" }}
}

// signed is a request as the AWS SDK for Go signs it, then received by a Go server (which
// moves Host and Content-Length out of the headers).
func signed(t *testing.T, method, target, body, region, service, secret string, at time.Time, header map[string]string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestVerify(t *testing.T) {
	for _, tc := range []struct {
		name, method, target, body, region, service, secret string
		at                                                  time.Time
		header                                              map[string]string
		kind                                                Kind
		text                                                string
	}{
		{"JSON post", "POST", "/", `{"SecretId":"a"}`, "us-east-1", "secretsmanager", "the-secret", now, nil, 0, ""},
		{"query, escaped path, spaced header", "GET", "/a%20b/c?z=1&a=b%20c&a=a", "", "us-east-1", "secretsmanager", "the-secret", now,
			map[string]string{"X-Amz-Meta": "  two   spaces  "}, 0, ""},
		{"four minutes old", "POST", "/", "{}", "us-east-1", "secretsmanager", "the-secret", now.Add(-4 * time.Minute), nil, 0, ""},
		{"wrong secret", "POST", "/", "{}", "us-east-1", "secretsmanager", "other", now, nil, Mismatch, "The request signature we calculated"},
		{"six minutes old", "POST", "/", "{}", "us-east-1", "secretsmanager", "the-secret", now.Add(-6 * time.Minute), nil, Mismatch,
			"Signature expired: 20260302T095400Z is now earlier than 20260302T095500Z (20260302T100000Z - 5 min.)"},
		{"six minutes ahead", "POST", "/", "{}", "us-east-1", "secretsmanager", "the-secret", now.Add(6 * time.Minute), nil, Mismatch,
			"Signature not yet current: 20260302T100600Z is still later than 20260302T100500Z (20260302T100000Z + 5 min.)"},
		{"other region", "POST", "/", "{}", "eu-west-1", "secretsmanager", "the-secret", now, nil, Mismatch, "Credential should be scoped to a valid region"},
		{"other service", "POST", "/", "{}", "us-east-1", "kms", "the-secret", now, nil, Mismatch, "Credential should be scoped to correct service: 'secretsmanager'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := signed(t, tc.method, tc.target, tc.body, tc.region, tc.service, tc.secret, tc.at, tc.header)
			signer, f := verifier().Verify(req, []byte(tc.body))
			switch {
			case tc.kind == 0 && f != nil:
				t.Fatalf("refused: %v", f.Message)
			case tc.kind == 0 && signer != (Signer{AccessKeyID: "AKIDTEST", Region: tc.region}):
				t.Fatalf("signer %+v", signer)
			case tc.kind != 0 && (f == nil || f.Kind != tc.kind || !strings.HasPrefix(f.Message, tc.text)):
				t.Fatalf("got %+v, want kind %d %q", f, tc.kind, tc.text)
			}
		})
	}
}

func TestVerifyRefusesWhatIsNotASignature(t *testing.T) {
	good := signed(t, "POST", "/", "{}", "us-east-1", "secretsmanager", "the-secret", now, nil)
	for _, tc := range []struct {
		name string
		edit func(r *http.Request)
		body string
		kind Kind
	}{
		{"none", func(r *http.Request) { r.Header.Del("Authorization") }, "{}", Missing},
		{"another scheme", func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, "{}", Incomplete},
		{"no date", func(r *http.Request) { r.Header.Del("X-Amz-Date") }, "{}", Incomplete},
		{"unknown key", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AKIDTEST", "AKIDOTHER", 1))
		}, "{}", UnknownKey},
		{"body changed", func(*http.Request) {}, `{"x":1}`, Mismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good.Clone(context.Background())
			tc.edit(r)
			if _, f := verifier().Verify(r, []byte(tc.body)); f == nil || f.Kind != tc.kind {
				t.Fatalf("got %+v, want kind %d", f, tc.kind)
			}
		})
	}
}

// A verifier without a Region answers for every Region: the scope names the request's,
// which must be a Region code. The signing key is the scope Region's.
func TestVerifyAnyRegion(t *testing.T) {
	anyRegion := verifier()
	anyRegion.Region = ""
	for _, tc := range []struct {
		region string
		ok     bool
	}{{"us-east-1", true}, {"eu-west-1", true}, {"ap-southeast-2", true}, {"us-gov-west-1", true},
		{"mars", false}, {"EU-WEST-1", false}, {"eu west 1", false}, {"eu-west-1:x", false}} {
		req := signed(t, "POST", "/", "{}", tc.region, "secretsmanager", "the-secret", now, nil)
		signer, f := anyRegion.Verify(req, []byte("{}"))
		switch {
		case tc.ok && (f != nil || signer.Region != tc.region):
			t.Errorf("%s: %+v %+v", tc.region, signer, f)
		case !tc.ok && (f == nil || f.Kind != Mismatch || !strings.HasPrefix(f.Message, "Credential should be scoped to a valid region, not '"+tc.region+"'")):
			t.Errorf("%s: got %+v, want the valid-region refusal", tc.region, f)
		}
	}
	// A signature made for one Region does not pass as another's.
	req := signed(t, "POST", "/", "{}", "eu-west-1", "secretsmanager", "the-secret", now, nil)
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "/eu-west-1/", "/eu-west-2/", 1))
	if _, f := anyRegion.Verify(req, []byte("{}")); f == nil || f.Kind != Mismatch {
		t.Fatalf("a scope's Region changed after signing: %+v", f)
	}
}
