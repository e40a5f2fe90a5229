package rds

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rotation-tutor/sandbox/sigv4"
)

// maxBody bounds a request body; the forms the handler reads are a few hundred bytes.
const maxBody = 1 << 20

// Handler answers the RDS Query API for the instances it was given.
type Handler struct {
	verifier *sigv4.Verifier

	mu        sync.Mutex
	instances []*instance // in the order given; deleted ones are dropped
}

// instance is one DB instance and where it stands in its life.
type instance struct {
	Instance
	created time.Time
	status  string // available, or deleting while its Delete runs
}

// NewHandler returns the HTTP handler for in (and the instances Add adds
// later). Mount it where form posts with an Action= parameter arrive; it
// answers DescribeDBInstances, DeleteDBInstance and ModifyDBParameterGroup,
// and every other Action with RDS's InvalidAction fault. Requests must carry a SigV4 signature for
// the instance's region by a key secretKey knows.
func NewHandler(in Instance, secretKey func(accessKeyID string) (string, bool)) *Handler {
	in = in.withDefaults()
	h := &Handler{verifier: &sigv4.Verifier{Region: in.Region, Service: "rds", SecretKey: secretKey, Now: time.Now}}
	h.Add(in)
	return h
}

// Add makes another instance known, in the first one's region.
func (h *Handler) Add(in Instance) {
	in = in.withDefaults()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.instances = append(h.instances, &instance{Instance: in, created: time.Now(), status: "available"})
}

// authFault is a refused signature in the Query protocol's words.
func authFault(f *sigv4.Failure) *fault {
	code := map[sigv4.Kind]string{
		sigv4.Missing:    "MissingAuthenticationToken",
		sigv4.Incomplete: "IncompleteSignature",
		sigv4.UnknownKey: "InvalidClientTokenId",
		sigv4.Mismatch:   "SignatureDoesNotMatch",
	}[f.Kind]
	msg := f.Message
	if f.Kind == sigv4.Missing {
		msg = "Request is missing Authentication Token"
	}
	return &fault{status: http.StatusForbidden, code: code, message: msg}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeFault(w, reqID, &fault{status: http.StatusMethodNotAllowed, code: "InvalidAction",
			message: "The Query API accepts POST (form-encoded) or GET, not " + r.Method + "."})
		return
	}
	// The signature covers the body, so it is read first (bounded), checked,
	// and then parsed as the form.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeFault(w, reqID, senderFault("MalformedQueryString", "The request body could not be read: "+err.Error()))
		return
	}
	if _, f := h.verifier.Verify(r, body); f != nil {
		writeFault(w, reqID, authFault(f))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := r.ParseForm(); err != nil {
		writeFault(w, reqID, senderFault("MalformedQueryString", "The request body is not a valid form: "+err.Error()))
		return
	}
	out, f := h.dispatch(r.Context(), r.Form)
	if f != nil {
		writeFault(w, reqID, f)
		return
	}
	out.stamp(reqID)
	writeXML(w, http.StatusOK, out)
}

func (h *Handler) dispatch(ctx context.Context, form url.Values) (response, *fault) {
	action := form.Get("Action")
	switch {
	case action == "":
		return nil, senderFault("MissingAction", "The request must contain the parameter Action.")
	case form.Get("Version") == "":
		return nil, senderFault("MissingParameter", "The request must contain the parameter Version.")
	case form.Get("Version") != APIVersion:
		return nil, senderFault("NoSuchVersion", fmt.Sprintf(
			"The requested version (%s) of service AmazonRDSv19 does not exist.", form.Get("Version")))
	case action == "DescribeDBInstances":
		return h.describe(form)
	case action == "DeleteDBInstance":
		return h.delete(ctx, form)
	case action == "ModifyDBParameterGroup":
		return h.modifyParameterGroup(form)
	}
	return nil, senderFault("InvalidAction", "The action "+action+" is not valid for this web service.")
}

// describe implements DescribeDBInstances: DBInstanceIdentifier (name or ARN)
// selects the instance or fails with DBInstanceNotFound; Filters narrow the
// list without failing; MaxRecords is validated, but a handful of instances
// needs no paging.
func (h *Handler) describe(form url.Values) (response, *fault) {
	if v := form.Get("MaxRecords"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 20 || n > 100 {
			return nil, invalidMaxRecords(v)
		}
	}
	filters, f := parseFilters(form)
	if f != nil {
		return nil, f
	}
	id := form.Get("DBInstanceIdentifier")
	out := &describeResponse{}
	out.Result.DBInstances.Items = []dbInstance{}
	h.mu.Lock()
	defer h.mu.Unlock()
	found := false
	for _, in := range h.instances {
		if id != "" && !in.is(id) {
			continue
		}
		found = true
		match := true
		for _, flt := range filters {
			match = match && in.matches(flt)
		}
		if match {
			out.Result.DBInstances.Items = append(out.Result.DBInstances.Items, in.describe(in.created, in.now()))
		}
	}
	if id != "" && !found {
		return nil, instanceNotFound(id)
	}
	return out, nil
}

// delete implements DeleteDBInstance as RDS does for an instance with no
// final snapshot: the answer describes it as deleting, and once its Delete
// has run it is gone (DescribeDBInstances says DBInstanceNotFound). The
// sandbox takes no snapshots, so it asks for SkipFinalSnapshot.
func (h *Handler) delete(ctx context.Context, form url.Values) (response, *fault) {
	id := form.Get("DBInstanceIdentifier")
	if id == "" {
		return nil, senderFault("MissingParameter", "The request must contain the parameter DBInstanceIdentifier.")
	}
	skip := strings.EqualFold(form.Get("SkipFinalSnapshot"), "true")
	switch {
	case form.Get("FinalDBSnapshotIdentifier") != "":
		return nil, senderFault("InvalidParameterValue", "This sandbox takes no snapshots: delete with SkipFinalSnapshot (--skip-final-snapshot).")
	case !skip:
		return nil, senderFault("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
	}
	h.mu.Lock()
	var in *instance
	for _, c := range h.instances {
		if c.is(id) {
			in = c
		}
	}
	switch {
	case in == nil:
		h.mu.Unlock()
		return nil, instanceNotFound(id)
	case in.Delete == nil:
		h.mu.Unlock()
		return nil, senderFault("InvalidParameterCombination", "Cannot delete protected DB Instance, please disable deletion protection and try again.")
	case in.status == "deleting":
		h.mu.Unlock()
		return nil, &fault{status: 400, code: "InvalidDBInstanceState", message: "Instance " + in.Identifier + " is already being deleted."}
	}
	in.status = "deleting"
	out := &deleteResponse{}
	out.Result.DBInstance = in.describe(in.created, in.status)
	h.mu.Unlock()

	// Describes meanwhile see it deleting; the work runs outside the lock.
	err := in.Delete(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		in.status = "available"
		return nil, &fault{status: 500, code: "InternalFailure", message: "The instance could not be deleted: " + err.Error()}
	}
	h.instances = slices.DeleteFunc(h.instances, func(c *instance) bool { return c == in })
	return out, nil
}

// now is the instance's status: deleting once its deletion began, else its own.
func (in *instance) now() string {
	if in.status == "deleting" || in.Status == nil {
		return in.status
	}
	return in.Status()
}

// is says whether id names the instance: its identifier (RDS compares them
// without case) or its ARN.
func (in *instance) is(id string) bool {
	return strings.EqualFold(id, in.Identifier) || id == in.ARN()
}

func writeFault(w http.ResponseWriter, reqID string, f *fault) {
	var e errorResponse
	e.Xmlns = namespace
	e.Error.Type = "Sender"
	if f.status >= 500 {
		e.Error.Type = "Receiver"
	}
	e.Error.Code = f.code
	e.Error.Message = f.message
	e.RequestID = reqID
	writeXML(w, f.status, e)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		// Only fixed struct types are marshalled here, so this means a bug.
		http.Error(w, "internal error encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// requestID makes an RDS-style request id (a random UUID).
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
