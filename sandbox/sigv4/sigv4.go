// Package sigv4 checks AWS Signature Version 4 on requests to the sandbox's endpoint, as AWS
// checks them: the access key must be known, the signature must match the one computed with
// its secret key over the canonical request, the credential scope must name a Region the
// endpoint answers for and its service, and the request must be signed within five minutes
// of now. A verified request's key and scope say who signed it and for which Region. Failures come back as
// the kinds AWS distinguishes, with AWS's texts; each protocol names them its own way.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is what was wrong with a request's authentication.
type Kind int

const (
	// Missing: no Authorization header (AWS: MissingAuthenticationToken).
	Missing Kind = iota + 1
	// Incomplete: not a well-formed SigV4 Authorization header (IncompleteSignature).
	Incomplete
	// UnknownKey: no such access key id (JSON services: UnrecognizedClientException;
	// Query services: InvalidClientTokenId).
	UnknownKey
	// Mismatch: wrong signature, wrong scope, or signed too long ago or ahead
	// (JSON: InvalidSignatureException; Query: SignatureDoesNotMatch).
	Mismatch
)

// Failure is a refused request: its kind and AWS's message.
type Failure struct {
	Kind    Kind
	Message string
}

func (f *Failure) Error() string { return f.Message }

const (
	algorithm  = "AWS4-HMAC-SHA256"
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"
	// MaxSkew is how far a request's signing time may be from the server's clock.
	MaxSkew = 5 * time.Minute

	msgMissing    = "Missing Authentication Token"
	msgUnknownKey = "The security token included in the request is invalid."
	msgMismatch   = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// Verifier checks requests for one service.
type Verifier struct {
	// Region is the one Region a credential scope may name; "" accepts any Region code,
	// for an endpoint that answers for every Region (the scope then says which).
	Region, Service string
	// SecretKey returns the secret access key of an access key id.
	SecretKey func(accessKeyID string) (string, bool)
	// Now is the wall clock that signing times are compared with.
	Now func() time.Time

	// The signing key depends only on the secret, the day and the Region: like the SDKs,
	// keep it rather than derive it (four HMACs) for every request.
	mu   sync.Mutex
	keys map[signingScope][]byte
}

type signingScope struct{ secret, date, region string }

// maxCachedKeys bounds the signing keys kept: a few access keys, a few Regions, today's.
const maxCachedKeys = 64

// Signer is who signed a verified request, and for which Region.
type Signer struct {
	AccessKeyID, Region string
}

// regionCode is a Region code's form, as the service models spell it.
var regionCode = regexp.MustCompile(`^([a-z]+-)+\d+$`)

// IsRegion reports whether code has the form of a Region code (us-east-1, eu-west-2).
func IsRegion(code string) bool { return regionCode.MatchString(code) }

// Verify checks r, whose body the caller has already read into body, and says who signed it.
func (v *Verifier) Verify(r *http.Request, body []byte) (Signer, *Failure) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Signer{}, &Failure{Missing, msgMissing}
	}
	h, f := parseAuthorization(auth)
	if f != nil {
		return Signer{}, f
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return Signer{}, &Failure{Incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + auth}
	}
	signed, err := time.Parse(timeFormat, amzDate)
	if err != nil {
		return Signer{}, &Failure{Incomplete, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)}
	}
	secret, ok := v.SecretKey(h.keyID)
	if !ok {
		return Signer{}, &Failure{UnknownKey, msgUnknownKey}
	}
	if f := v.checkScope(h, signed); f != nil {
		return Signer{}, f
	}
	now := v.Now().UTC()
	if signed.Before(now.Add(-MaxSkew)) {
		return Signer{}, &Failure{Mismatch, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 5 min.)",
			amzDate, now.Add(-MaxSkew).Format(timeFormat), now.Format(timeFormat))}
	}
	if signed.After(now.Add(MaxSkew)) {
		return Signer{}, &Failure{Mismatch, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 5 min.)",
			amzDate, now.Add(MaxSkew).Format(timeFormat), now.Format(timeFormat))}
	}
	canonical := canonicalRequest(r, h.signedHeaders, body)
	scope := strings.Join([]string{h.date, h.region, h.service, h.terminator}, "/")
	toSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
	want := hex.EncodeToString(hmacSHA256(v.signingKey(signingScope{secret, h.date, h.region}), toSign))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(h.signature))) {
		// AWS shows what it computed, so a client author can find the difference; neither
		// part holds the secret key or the body (only its hash).
		return Signer{}, &Failure{Mismatch, msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + canonical +
			"'\n\nThe String-to-Sign should have been\n'" + toSign + "'\n"}
	}
	return Signer{AccessKeyID: h.keyID, Region: h.region}, nil
}

// checkScope checks the credential scope's date, Region, service and terminator.
func (v *Verifier) checkScope(h authorization, signed time.Time) *Failure {
	if h.date != signed.Format(dateFormat) {
		return &Failure{Mismatch, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from 'X-Amz-Date'.", h.date, signed.Format(dateFormat))}
	}
	if (v.Region != "" && h.region != v.Region) || !IsRegion(h.region) {
		return &Failure{Mismatch, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", h.region)}
	}
	if h.service != v.Service {
		return &Failure{Mismatch, fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", v.Service)}
	}
	if h.terminator != "aws4_request" {
		return &Failure{Mismatch, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", h.terminator)}
	}
	return nil
}

// authorization is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".
type authorization struct {
	keyID, date, region, service, terminator string
	signedHeaders                            []string
	signature                                string
}

func parseAuthorization(auth string) (authorization, *Failure) {
	var h authorization
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return h, &Failure{Incomplete, "Authorization header requires an AWS Signature Version 4 signature (" + algorithm + ")."}
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			params[k] = v
		}
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return h, &Failure{Incomplete, strings.Join(missing, " ") + " Authorization=" + auth}
	}
	cred := strings.Split(params["Credential"], "/")
	if len(cred) != 5 {
		return h, &Failure{Incomplete, "Credential should be scoped to a valid region, service and terminator: 'KEY/YYYYMMDD/region/service/aws4_request'. Authorization=" + auth}
	}
	h.keyID, h.date, h.region, h.service, h.terminator = cred[0], cred[1], cred[2], cred[3], cred[4]
	h.signedHeaders = strings.Split(params["SignedHeaders"], ";")
	h.signature = params["Signature"]
	return h, nil
}

// canonicalRequest is SigV4's canonical form of r.
func canonicalRequest(r *http.Request, signedHeaders []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalPath(r.URL.EscapedPath()) + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, name := range signedHeaders {
		b.WriteString(name + ":" + headerValue(r, name) + "\n")
	}
	b.WriteString("\n" + strings.Join(signedHeaders, ";") + "\n")
	b.WriteString(hexSHA256(body))
	return b.String()
}

// canonicalPath encodes the already-escaped path once more, segment by segment, as every
// service but S3 expects.
func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s)
	}
	return strings.Join(segs, "/")
}

func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// headerValue is a header's values, trimmed, inner runs of spaces made one, joined by ",".
// Go's server keeps Host apart from the other headers, and may keep Content-Length only
// as the request's ContentLength.
func headerValue(r *http.Request, name string) string {
	vals := r.Header.Values(name)
	switch {
	case strings.EqualFold(name, "host"):
		vals = []string{r.Host}
	case strings.EqualFold(name, "content-length") && len(vals) == 0 && r.ContentLength >= 0:
		vals = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// uriEncode is SigV4's percent-encoding: everything but A-Z a-z 0-9 - _ . ~.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// signingKey is SigV4's key for a secret, a day and a Region, in the verifier's service (the
// scope has been checked to name it).
func (v *Verifier) signingKey(sc signingScope) []byte {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[sc]; ok {
		return k
	}
	if v.keys == nil || len(v.keys) >= maxCachedKeys {
		v.keys = map[signingScope][]byte{} // yesterday's keys go with the rest
	}
	k := hmacSHA256([]byte("AWS4"+sc.secret), sc.date)
	k = hmacSHA256(k, sc.region)
	k = hmacSHA256(k, v.Service)
	k = hmacSHA256(k, "aws4_request")
	v.keys[sc] = k
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
