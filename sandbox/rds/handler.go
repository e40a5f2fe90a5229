package rds

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"rotation-tutor/sandbox/sigv4"
)

// maxBody bounds a request body; a DescribeDBInstances form is a few hundred bytes.
const maxBody = 1 << 20

type handler struct {
	in       Instance
	created  time.Time
	verifier *sigv4.Verifier
}

// NewHandler returns the HTTP handler for the instance's DescribeDBInstances.
// Mount it where form posts with an Action= parameter arrive; it answers every
// other Action with RDS's InvalidAction fault. Requests must carry a SigV4
// signature for the instance's region by a key secretKey knows.
func NewHandler(in Instance, secretKey func(accessKeyID string) (string, bool)) http.Handler {
	in = in.withDefaults()
	return &handler{in: in, created: time.Now(), verifier: &sigv4.Verifier{
		Region: in.Region, Service: "rds", SecretKey: secretKey, Now: time.Now}}
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

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	out, f := h.dispatch(r.Form)
	if f != nil {
		writeFault(w, reqID, f)
		return
	}
	out.Xmlns = namespace
	out.RequestID = reqID
	writeXML(w, http.StatusOK, out)
}

func (h *handler) dispatch(form url.Values) (*describeResponse, *fault) {
	action := form.Get("Action")
	switch {
	case action == "":
		return nil, senderFault("MissingAction", "The request must contain the parameter Action.")
	case form.Get("Version") == "":
		return nil, senderFault("MissingParameter", "The request must contain the parameter Version.")
	case form.Get("Version") != APIVersion:
		return nil, senderFault("NoSuchVersion", fmt.Sprintf(
			"The requested version (%s) of service AmazonRDSv19 does not exist.", form.Get("Version")))
	case action != "DescribeDBInstances":
		return nil, senderFault("InvalidAction", "The action "+action+" is not valid for this web service.")
	}
	return h.describe(form)
}

// describe implements DescribeDBInstances: DBInstanceIdentifier (name or ARN)
// selects the instance or fails with DBInstanceNotFound; Filters narrow the
// list without failing; MaxRecords is validated but one instance needs no paging.
func (h *handler) describe(form url.Values) (*describeResponse, *fault) {
	if v := form.Get("MaxRecords"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 20 || n > 100 {
			return nil, invalidMaxRecords(v)
		}
	}
	if id := form.Get("DBInstanceIdentifier"); id != "" && !h.isInstance(id) {
		return nil, instanceNotFound(id)
	}
	filters, f := parseFilters(form)
	if f != nil {
		return nil, f
	}
	out := &describeResponse{}
	out.Result.DBInstances.Items = []dbInstance{}
	match := true
	for _, flt := range filters {
		match = match && h.matches(flt)
	}
	if match {
		out.Result.DBInstances.Items = append(out.Result.DBInstances.Items, h.in.describe(h.created))
	}
	return out, nil
}

func (h *handler) isInstance(id string) bool {
	return id == h.in.Identifier || id == h.in.ARN()
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
