package logs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/sandbox/sigv4"
)

// Handler answers the CloudWatch Logs API for the store, checking each request's signature
// against the keys secretKey knows.
func (s *Store) Handler(region, account string, secretKey func(string) (string, bool)) http.Handler {
	return &handler{s: s, region: region, account: account,
		verifier: &sigv4.Verifier{Service: "logs", SecretKey: secretKey, Now: time.Now}}
}

type handler struct {
	s               *Store
	region, account string
	verifier        *sigv4.Verifier
}

type apiError struct {
	typ, msg string
	status   int
}

func errorf(typ, msg string) *apiError {
	return &apiError{typ: typ, msg: msg, status: http.StatusBadRequest}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := uuid.NewString()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, reqID, errorf("SerializationException", "The request body could not be read."))
		return
	}
	if _, f := h.verifier.Verify(r, body); f != nil {
		writeError(w, reqID, authError(f))
		return
	}
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.")
	var out any
	var aerr *apiError
	switch op {
	case "FilterLogEvents":
		out, aerr = h.filter(body)
	case "GetLogEvents":
		out, aerr = h.get(body)
	case "DescribeLogGroups":
		out, aerr = h.groups(body)
	case "DescribeLogStreams":
		out, aerr = h.streams(body)
	default:
		aerr = errorf("UnknownOperationException", "The sandbox's CloudWatch Logs answers FilterLogEvents, GetLogEvents, "+
			"DescribeLogGroups and DescribeLogStreams, not "+strconv.Quote(op)+".")
	}
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	writeJSON(w, reqID, http.StatusOK, out)
}

func authError(f *sigv4.Failure) *apiError {
	typ := map[sigv4.Kind]string{sigv4.Missing: "MissingAuthenticationTokenException", sigv4.Incomplete: "IncompleteSignatureException",
		sigv4.UnknownKey: "UnrecognizedClientException", sigv4.Mismatch: "InvalidSignatureException"}[f.Kind]
	return errorf(typ, f.Message)
}

func decode(body []byte, in any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, in); err != nil {
		return errorf("SerializationException", "The request body is not valid JSON for this operation.")
	}
	return nil
}

// groupName takes a group by name, or by the ARN logGroupIdentifier may give.
func groupName(name, identifier string) string {
	if name != "" {
		return name
	}
	if i := strings.Index(identifier, ":log-group:"); i >= 0 {
		return strings.TrimSuffix(identifier[i+len(":log-group:"):], ":*")
	}
	return identifier
}

var errNoGroup = errorf("ResourceNotFoundException", "The specified log group does not exist.")

type outEvent struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId,omitempty"`
}

func (h *handler) filter(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogGroupIdentifier string
		LogStreamNames                   []string
		LogStreamNamePrefix              string
		StartTime, EndTime               int64
		FilterPattern, NextToken         string
		Limit                            int
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	q := Query{Group: groupName(in.LogGroupName, in.LogGroupIdentifier), Streams: in.LogStreamNames,
		StreamPrefix: in.LogStreamNamePrefix, Start: in.StartTime, End: in.EndTime, Pattern: in.FilterPattern, Limit: in.Limit}
	if in.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errorf("InvalidParameterException", "The nextToken is not one this service gave.")
		}
		q.AfterID = string(after)
	}
	evs, more, ok := h.s.Events(q)
	if !ok {
		return nil, errNoGroup
	}
	out := struct {
		Events             []outEvent `json:"events"`
		SearchedLogStreams []any      `json:"searchedLogStreams"`
		NextToken          string     `json:"nextToken,omitempty"`
	}{Events: []outEvent{}, SearchedLogStreams: []any{}}
	for _, e := range evs {
		out.Events = append(out.Events, outEvent{LogStreamName: e.Stream, Timestamp: e.Timestamp, Message: e.Message,
			IngestionTime: e.Ingested, EventID: e.ID})
	}
	if more && len(evs) > 0 {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(evs[len(evs)-1].ID))
	}
	return out, nil
}

func (h *handler) get(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogGroupIdentifier, LogStreamName string
		StartTime, EndTime                              int64
		Limit                                           int
		StartFromHead                                   bool
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.LogStreamName == "" {
		return nil, errorf("InvalidParameterException", "logStreamName is required.")
	}
	evs, _, ok := h.s.Events(Query{Group: groupName(in.LogGroupName, in.LogGroupIdentifier), Streams: []string{in.LogStreamName},
		Start: in.StartTime, End: in.EndTime})
	if !ok {
		return nil, errNoGroup
	}
	if in.Limit > 0 && len(evs) > in.Limit {
		if in.StartFromHead {
			evs = evs[:in.Limit]
		} else {
			evs = evs[len(evs)-in.Limit:]
		}
	}
	out := struct {
		Events            []outEvent `json:"events"`
		NextForwardToken  string     `json:"nextForwardToken"`
		NextBackwardToken string     `json:"nextBackwardToken"`
	}{Events: []outEvent{}, NextForwardToken: "f/end", NextBackwardToken: "b/start"}
	for _, e := range evs {
		out.Events = append(out.Events, outEvent{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.Ingested})
	}
	return out, nil
}

func (h *handler) groups(body []byte) (any, *apiError) {
	var in struct{ LogGroupNamePrefix string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	type outGroup struct {
		LogGroupName      string `json:"logGroupName"`
		CreationTime      int64  `json:"creationTime"`
		MetricFilterCount int    `json:"metricFilterCount"`
		Arn               string `json:"arn"`
		StoredBytes       int64  `json:"storedBytes"`
	}
	out := struct {
		LogGroups []outGroup `json:"logGroups"`
	}{LogGroups: []outGroup{}}
	for _, g := range h.s.Groups(in.LogGroupNamePrefix) {
		out.LogGroups = append(out.LogGroups, outGroup{LogGroupName: g.Name, CreationTime: g.Created, StoredBytes: g.Bytes,
			Arn: "arn:aws:logs:" + h.region + ":" + h.account + ":log-group:" + g.Name + ":*"})
	}
	return out, nil
}

func (h *handler) streams(body []byte) (any, *apiError) {
	var in struct {
		LogGroupName, LogGroupIdentifier, LogStreamNamePrefix, OrderBy string
		Descending                                                     bool
		Limit                                                          int
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	name := groupName(in.LogGroupName, in.LogGroupIdentifier)
	sts, ok := h.s.Streams(name)
	if !ok {
		return nil, errNoGroup
	}
	type outStream struct {
		LogStreamName       string `json:"logStreamName"`
		CreationTime        int64  `json:"creationTime"`
		FirstEventTimestamp int64  `json:"firstEventTimestamp"`
		LastEventTimestamp  int64  `json:"lastEventTimestamp"`
		LastIngestionTime   int64  `json:"lastIngestionTime"`
		Arn                 string `json:"arn"`
	}
	out := struct {
		LogStreams []outStream `json:"logStreams"`
	}{LogStreams: []outStream{}}
	for _, st := range sts {
		if !strings.HasPrefix(st.Name, in.LogStreamNamePrefix) {
			continue
		}
		out.LogStreams = append(out.LogStreams, outStream{LogStreamName: st.Name, CreationTime: st.Created,
			FirstEventTimestamp: st.First, LastEventTimestamp: st.Last, LastIngestionTime: st.Ingested,
			Arn: "arn:aws:logs:" + h.region + ":" + h.account + ":log-group:" + name + ":log-stream:" + st.Name})
	}
	if in.Descending {
		for i, j := 0, len(out.LogStreams)-1; i < j; i, j = i+1, j-1 {
			out.LogStreams[i], out.LogStreams[j] = out.LogStreams[j], out.LogStreams[i]
		}
	}
	if in.Limit > 0 && len(out.LogStreams) > in.Limit {
		out.LogStreams = out.LogStreams[:in.Limit]
	}
	return out, nil
}

func writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	b, _ := json.Marshal(v) // only the fixed shapes above are encoded
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	writeJSON(w, reqID, e.status, struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.typ, e.msg})
}
