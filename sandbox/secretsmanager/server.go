package secretsmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/internal/netguard"
	"rotation-tutor/sandbox/sigv4"
)

// maxRequestBytes bounds a request body: the largest valid request (a
// 64 KiB SecretBinary, base64-encoded, plus tags) fits well inside it.
const maxRequestBytes = 256 << 10

const (
	targetPrefix = "secretsmanager."
	contentType  = "application/x-amz-json-1.1"
)

// operation decodes its own input from body and answers with a value to
// encode, or an apiError. Operations validate everything before they
// change anything, so a refused request leaves no trace.
type operation func(s *Service, rq *request, body []byte) (any, *apiError)

// operations is the dispatch table, by X-Amz-Target suffix. It is never
// written after initialisation.
var operations = map[string]operation{
	"CreateSecret":             (*Service).createSecret,
	"GetSecretValue":           (*Service).getSecretValue,
	"PutSecretValue":           (*Service).putSecretValue,
	"UpdateSecret":             (*Service).updateSecret,
	"UpdateSecretVersionStage": (*Service).updateSecretVersionStage,
	"DescribeSecret":           (*Service).describeSecret,
	"ListSecrets":              (*Service).listSecrets,
	"ListSecretVersionIds":     (*Service).listSecretVersionIds,
	"RotateSecret":             (*Service).rotateSecret,
	"CancelRotateSecret":       (*Service).cancelRotateSecret,
	"DeleteSecret":             (*Service).deleteSecret,
	"RestoreSecret":            (*Service).restoreSecret,
	"GetRandomPassword":        (*Service).getRandomPassword,
	"TagResource":              (*Service).tagResource,
	"UntagResource":            (*Service).untagResource,
	"BatchGetSecretValue":      (*Service).batchGetSecretValue,

	"PutResourcePolicy":      (*Service).putResourcePolicy,
	"GetResourcePolicy":      (*Service).getResourcePolicy,
	"DeleteResourcePolicy":   (*Service).deleteResourcePolicy,
	"ValidateResourcePolicy": (*Service).validateResourcePolicy,

	"ReplicateSecretToRegions":     (*Service).replicateSecretToRegions,
	"RemoveRegionsFromReplication": (*Service).removeRegionsFromReplication,
	"StopReplicationToReplica":     (*Service).stopReplicationToReplica,
}

// ServeHTTP answers one AWS JSON 1.1 request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	defer func() {
		// A fault in an operation is a 500 InternalServiceError, as AWS
		// reports its own, not a dropped connection.
		if v := recover(); v != nil {
			writeError(w, reqID, &apiError{Type: typeInternal, Status: http.StatusInternalServerError,
				Message: "An error occurred on the server side."})
		}
	}()
	body, aerr := readRequest(w, r)
	var signer sigv4.Signer
	if aerr == nil {
		var f *sigv4.Failure
		if signer, f = s.verifier.Verify(r, body); f != nil {
			aerr = authError(f)
		}
	}
	if aerr == nil {
		var resp any
		resp, aerr = s.handle(r, signer, body)
		if aerr == nil {
			writeJSON(w, reqID, http.StatusOK, resp)
			return
		}
	}
	writeError(w, reqID, aerr)
}

// readRequest checks the method and reads the body (which the signature
// covers, so it is read before the signature is checked).
func readRequest(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.Method != http.MethodPost {
		return nil, &apiError{Type: typeMethodNotAllowed, Status: http.StatusMethodNotAllowed,
			Message: "The " + r.Method + " method is not supported; the API takes POST /."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{Type: typeEntityTooLarge, Status: http.StatusRequestEntityTooLarge,
				Message: "Request body exceeds the maximum of " + strconv.Itoa(maxRequestBytes) + " bytes."}
		}
		return nil, errorf(typeSerialization, "Could not read the request body.")
	}
	return body, nil
}

// readOnly are the operations that neither wait for the disk nor queue a
// write: they change nothing a client asked for. What they may change on the
// side (GetSecretValue's access date, with day precision; a secret whose
// recovery window ran out, which a restart finds out again) goes to disk with
// the next write.
var readOnly = map[string]bool{
	"GetSecretValue": true, "BatchGetSecretValue": true, "DescribeSecret": true, "ListSecrets": true,
	"ListSecretVersionIds": true, "GetRandomPassword": true, "GetResourcePolicy": true,
	"ValidateResourcePolicy": true,
}

// handle runs the operation the request names, as the identity that signed it.
func (s *Service) handle(r *http.Request, signer sigv4.Signer, body []byte) (any, *apiError) {
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	op := operations[name]
	if !ok || op == nil {
		return nil, errorf(typeUnknownOperation, "Unknown operation %q.", sanitize(target))
	}
	if !s.enter() {
		return nil, &apiError{Type: typeInternal, Status: http.StatusInternalServerError,
			Message: "The service is shutting down."}
	}
	defer s.leave()
	resp, aerr := op(s, s.newRequest(name, signer, r), body)
	if readOnly[name] {
		return resp, aerr
	}
	// A change is answered once it is on disk. So is a write that changed
	// nothing (a retried request): what it confirms may still be on its way
	// there from the first attempt.
	if err := s.sync(aerr == nil); err != nil {
		return nil, &apiError{Type: typeInternal, Status: http.StatusInternalServerError,
			Message: "An error occurred on the server side: " + err.Error() + "."}
	}
	return resp, aerr
}

// enter counts a request in, unless the service is closing.
func (s *Service) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.active++
	return true
}

func (s *Service) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.active == 0 && s.closed {
		close(s.drained)
	}
}

// sanitize keeps an echoed header short and printable.
func sanitize(v string) string {
	if len(v) > 64 {
		v = v[:64]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, v)
}

// decode parses a JSON body into in. An empty body is an empty object. The
// message never echoes the body: it may hold a secret.
func decode(body []byte, in any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errorf(typeSerialization, "Member %s has the wrong type: expected %s.", typeErr.Field, typeErr.Type)
		}
		return errorf(typeSerialization, "The request body is not valid JSON.")
	}
	if dec.More() {
		return errorf(typeSerialization, "The request body has data after the JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errorf(typeSerialization, "The request body has data after the JSON object.")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"__type":"InternalServiceError","Message":"An error occurred on the server side."}`)
		w.Header().Set("X-Amzn-ErrorType", typeInternal)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError sends an error both ways clients read it: botocore takes the
// type from the body's __type, aws-sdk-go-v2 from X-Amzn-ErrorType first.
func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	writeJSON(w, reqID, e.Status, struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}{e.Type, e.Message})
}

// The endpoint's timeouts. A client has 10 s to send a request's headers and
// 30 s for the whole request (the largest is 256 KiB); an idle keep-alive
// connection is closed after 2 minutes (the SDKs drop theirs after 90 s).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// NewHTTPServer returns the server for the endpoint, to serve on l: with
// timeouts, and telling l which connections are busy with a request and which
// wait for one (new, or idle between requests), so that when l is full it
// closes a waiting one. Its error log goes to logf (nil: nowhere), never to
// the terminal, where it would tear the walkthrough's screen.
func NewHTTPServer(h http.Handler, l *netguard.Listener, logf func(string, ...any)) *http.Server {
	out := io.Discard
	if logf != nil {
		out = logWriter(logf)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(out, "", 0),
		ConnState: func(c net.Conn, st http.ConnState) {
			switch st {
			case http.StateActive:
				l.Busy(c)
			case http.StateIdle:
				l.Waiting(c)
			}
		},
	}
}

// logWriter passes each line written to it to logf.
type logWriter func(string, ...any)

func (f logWriter) Write(p []byte) (int, error) {
	f("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// floorAnswer is a GetSecretValue response of the same shape and size as
// the endpoint's.
const floorAnswer = `{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:floor-AbCdEf","Name":"floor","VersionId":"6c0b1f0a-8d1e-4c2b-9a5e-0123456789ab","SecretString":"{\"engine\":\"mysql\",\"host\":\"db.sandbox.internal\",\"port\":3306,\"username\":\"appuser\",\"password\":\"0123456789abcdefghijklmnopqrstuv\",\"dbname\":\"tutorial\"}","VersionStages":["AWSCURRENT"],"CreatedDate":1700000000.123}`

// NewFloorServer starts a loopback server that answers every request with a
// canned GetSecretValue response: all of the client's cost, none of the
// service's. Benchmarks compare the endpoint with it.
func NewFloorServer() (url string, closeFn func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln, err = net.Listen("tcp6", "[::1]:0")
		if err != nil {
			return "", func() {}
		}
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			h := w.Header()
			h.Set("Content-Type", contentType)
			h.Set("Content-Length", strconv.Itoa(len(floorAnswer)))
			h.Set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
			_, _ = io.WriteString(w, floorAnswer)
		}),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		srv.Close()
		<-done
	}
}
