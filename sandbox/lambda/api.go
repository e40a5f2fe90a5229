package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/sigv4"
)

// APIOptions configure the Lambda API.
type APIOptions struct {
	Account   *account.Store
	AccountID string
	// SecretKey checks signatures, as for the sandbox's other endpoints.
	SecretKey func(accessKeyID string) (string, bool)
	// MayManage says whether the identity of an access key may read, change and invoke the
	// functions: the learner, an administrator of the account, may; the functions' own role
	// has no Lambda permissions.
	MayManage func(accessKeyID string) bool
	Now       func() time.Time
}

// API answers the part of Lambda's REST API (2015-03-31) that looks at and fixes a rotation
// function: ListFunctions, GetFunction, GetFunctionConfiguration,
// UpdateFunctionConfiguration (timeout, environment, VPC), GetPolicy, AddPermission,
// RemovePermission, and Invoke, which runs the function as Secrets Manager would (the way to
// finish a rotation by hand).
func (r *Registry) API(o APIOptions) http.Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &api{r: r, o: o, verifier: &sigv4.Verifier{Service: "lambda", SecretKey: o.SecretKey, Now: time.Now}}
}

type api struct {
	r        *Registry
	o        APIOptions
	verifier *sigv4.Verifier
}

// The paths, after /2015-03-31/functions/.
var (
	pathFunction = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)(/configuration|/policy|/policy/([^/]+)|/invocations)?/?$`)
	pathList     = regexp.MustCompile(`^/2015-03-31/functions/?$`)
)

type lambdaError struct {
	status   int
	typ, msg string
}

func (e *lambdaError) Error() string { return e.typ + ": " + e.msg }

func notFound(arn string) *lambdaError {
	return &lambdaError{http.StatusNotFound, "ResourceNotFoundException", "Function not found: " + arn}
}

func invalid(msg string) *lambdaError {
	return &lambdaError{http.StatusBadRequest, "InvalidParameterValueException", msg}
}

func (a *api) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	reqID := uuid.NewString()
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 6<<20))
	if err != nil {
		writeError(w, reqID, invalid("The request body could not be read."))
		return
	}
	signer, f := a.verifier.Verify(req, body)
	if f != nil {
		writeError(w, reqID, authError(f))
		return
	}
	if a.o.MayManage != nil && !a.o.MayManage(signer.AccessKeyID) {
		writeError(w, reqID, &lambdaError{http.StatusForbidden, "AccessDeniedException",
			"The rotation functions' role is not allowed to call the Lambda API."})
		return
	}
	status, out, headers, lerr := a.route(req, body)
	if lerr != nil {
		writeError(w, reqID, lerr)
		return
	}
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	if raw, ok := out.([]byte); ok {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-amzn-RequestId", reqID)
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		return
	}
	writeJSON(w, reqID, status, out)
}

func (a *api) route(req *http.Request, body []byte) (int, any, map[string]string, *lambdaError) {
	p := req.URL.Path
	if pathList.MatchString(p) && req.Method == http.MethodGet {
		return a.list()
	}
	m := pathFunction.FindStringSubmatch(p)
	if m == nil {
		return 0, nil, nil, &lambdaError{http.StatusNotFound, "UnknownOperationException", "Unknown operation " + req.Method + " " + p}
	}
	name, sub := functionName(m[1]), m[2]
	switch {
	case sub == "" && req.Method == http.MethodGet:
		return a.getFunction(name)
	case sub == "/configuration" && req.Method == http.MethodGet:
		return a.getConfiguration(name)
	case sub == "/configuration" && req.Method == http.MethodPut:
		return a.updateConfiguration(name, body)
	case sub == "/policy" && req.Method == http.MethodGet:
		return a.getPolicy(name)
	case sub == "/policy" && req.Method == http.MethodPost:
		return a.addPermission(name, body)
	case strings.HasPrefix(sub, "/policy/") && req.Method == http.MethodDelete:
		return a.removePermission(name, m[3])
	case sub == "/invocations" && req.Method == http.MethodPost:
		return a.invoke(req, name, body)
	}
	return 0, nil, nil, &lambdaError{http.StatusNotFound, "UnknownOperationException", "Unknown operation " + req.Method + " " + p}
}

// functionName takes a name, a partial ARN (ACCOUNT:function:NAME) or a full ARN.
func functionName(s string) string {
	if i := strings.LastIndex(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	name, _, _ := strings.Cut(s, ":") // a qualifier ($LATEST) names the same function here
	return name
}

type configuration struct {
	FunctionName     string            `json:"FunctionName"`
	FunctionArn      string            `json:"FunctionArn"`
	Runtime          string            `json:"Runtime"`
	Role             string            `json:"Role"`
	Handler          string            `json:"Handler"`
	CodeSize         int               `json:"CodeSize"`
	Description      string            `json:"Description"`
	Timeout          int               `json:"Timeout"`
	MemorySize       int               `json:"MemorySize"`
	LastModified     string            `json:"LastModified"`
	CodeSha256       string            `json:"CodeSha256"`
	Version          string            `json:"Version"`
	VpcConfig        *vpcConfig        `json:"VpcConfig,omitempty"`
	Environment      *environment      `json:"Environment,omitempty"`
	RevisionID       string            `json:"RevisionId"`
	State            string            `json:"State"`
	LastUpdateStatus string            `json:"LastUpdateStatus"`
	PackageType      string            `json:"PackageType"`
	Architectures    []string          `json:"Architectures"`
	LoggingConfig    map[string]string `json:"LoggingConfig"`
}

type vpcConfig struct {
	SubnetIds        []string `json:"SubnetIds"`
	SecurityGroupIds []string `json:"SecurityGroupIds"`
	VpcID            string   `json:"VpcId,omitempty"`
}

type environment struct {
	Variables map[string]string `json:"Variables"`
}

func (a *api) configOf(f *account.Function) configuration {
	c := configuration{
		FunctionName: f.Name, FunctionArn: FunctionARN(a.r.region, f.Name), Runtime: "python3.12", Role: f.Role,
		Handler: "lambda_function.lambda_handler", CodeSize: 9821, Description: f.Description, Timeout: f.Timeout,
		MemorySize: 128, LastModified: f.LastModified, CodeSha256: "rotation-tutor-" + f.Name, Version: "$LATEST",
		RevisionID: f.Revision, State: "Active", LastUpdateStatus: "Successful", PackageType: "Zip",
		Architectures: []string{"x86_64"},
		LoggingConfig: map[string]string{"LogFormat": "Text", "LogGroup": LogGroup(f.Name)},
	}
	if c.LastModified == "" {
		c.LastModified = "2024-01-01T00:00:00.000+0000"
	}
	if f.VPC.VpcID != "" || len(f.VPC.SubnetIDs) > 0 {
		c.VpcConfig = &vpcConfig{SubnetIds: nonNil(f.VPC.SubnetIDs), SecurityGroupIds: nonNil(f.VPC.SecurityGroupIDs), VpcID: f.VPC.VpcID}
	}
	if len(f.Environment) > 0 {
		c.Environment = &environment{Variables: f.Environment}
	}
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *api) function(name string) (*account.Function, *lambdaError) {
	acct := a.o.Account.Get()
	f := acct.Functions[name]
	if f == nil || !a.r.Registered(FunctionARN(a.r.region, name)) {
		return nil, notFound(FunctionARN(a.r.region, name))
	}
	return f, nil
}

func (a *api) list() (int, any, map[string]string, *lambdaError) {
	acct := a.o.Account.Get()
	names := make([]string, 0, len(acct.Functions))
	for n := range acct.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	out := struct {
		Functions []configuration `json:"Functions"`
	}{Functions: []configuration{}}
	for _, n := range names {
		out.Functions = append(out.Functions, a.configOf(acct.Functions[n]))
	}
	return http.StatusOK, out, nil, nil
}

func (a *api) getFunction(name string) (int, any, map[string]string, *lambdaError) {
	f, e := a.function(name)
	if e != nil {
		return 0, nil, nil, e
	}
	return http.StatusOK, map[string]any{
		"Configuration": a.configOf(f),
		"Code":          map[string]string{"RepositoryType": "S3", "Location": ""},
	}, nil, nil
}

func (a *api) getConfiguration(name string) (int, any, map[string]string, *lambdaError) {
	f, e := a.function(name)
	if e != nil {
		return 0, nil, nil, e
	}
	return http.StatusOK, a.configOf(f), nil, nil
}

func (a *api) updateConfiguration(name string, body []byte) (int, any, map[string]string, *lambdaError) {
	var in struct {
		Timeout     *int
		Environment *environment
		VpcConfig   *struct {
			SubnetIds, SecurityGroupIds []string
		}
		Description *string
		RevisionId  string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, nil, invalid("The request body is not valid JSON for UpdateFunctionConfiguration.")
	}
	if in.Timeout != nil && (*in.Timeout < 1 || *in.Timeout > 900) {
		return 0, nil, nil, invalid(fmt.Sprintf("1 validation error detected: Value '%d' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900", *in.Timeout))
	}
	if _, e := a.function(name); e != nil {
		return 0, nil, nil, e
	}
	var out configuration
	err := a.o.Account.Update(func(acct *account.Account) error {
		f := acct.Functions[name]
		if in.RevisionId != "" && in.RevisionId != f.Revision {
			return &lambdaError{http.StatusPreconditionFailed, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"}
		}
		if in.Timeout != nil {
			f.Timeout = *in.Timeout
		}
		if in.Environment != nil {
			f.Environment = in.Environment.Variables
		}
		if in.Description != nil {
			f.Description = *in.Description
		}
		if v := in.VpcConfig; v != nil {
			if len(v.SubnetIds) == 0 {
				f.VPC = account.VPCConfig{}
			} else {
				for _, sg := range v.SecurityGroupIds {
					if acct.Network.SecurityGroups[sg] == nil {
						return invalid("Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error Message: The security group '" + sg + "' does not exist")
					}
				}
				f.VPC = account.VPCConfig{VpcID: acct.Network.VpcID, SubnetIDs: v.SubnetIds, SecurityGroupIDs: v.SecurityGroupIds}
			}
		}
		f.Touch(a.o.Now())
		out = a.configOf(f)
		return nil
	})
	if err != nil {
		var le *lambdaError
		if errors.As(err, &le) {
			return 0, nil, nil, le
		}
		return 0, nil, nil, &lambdaError{http.StatusInternalServerError, "ServiceException", err.Error()}
	}
	return http.StatusOK, out, nil, nil
}

func (a *api) getPolicy(name string) (int, any, map[string]string, *lambdaError) {
	f, e := a.function(name)
	if e != nil {
		return 0, nil, nil, e
	}
	if len(f.Policy) == 0 {
		return 0, nil, nil, &lambdaError{http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist."}
	}
	return http.StatusOK, map[string]string{"Policy": f.PolicyDocument(FunctionARN(a.r.region, name)), "RevisionId": f.Revision}, nil, nil
}

var statementID = regexp.MustCompile(`^[a-zA-Z0-9-_.]{1,100}$`)

func (a *api) addPermission(name string, body []byte) (int, any, map[string]string, *lambdaError) {
	var in struct {
		StatementId, Action, Principal, SourceArn, SourceAccount string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, nil, invalid("The request body is not valid JSON for AddPermission.")
	}
	switch {
	case !statementID.MatchString(in.StatementId):
		return 0, nil, nil, invalid("1 validation error detected: Value at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)")
	case in.Action == "" || in.Principal == "":
		return 0, nil, nil, invalid("Action and Principal are required.")
	case !strings.HasPrefix(in.Action, "lambda:"):
		return 0, nil, nil, invalid("The action " + in.Action + " is not a Lambda action.")
	}
	if _, e := a.function(name); e != nil {
		return 0, nil, nil, e
	}
	var doc string
	err := a.o.Account.Update(func(acct *account.Account) error {
		f := acct.Functions[name]
		for _, p := range f.Policy {
			if p.Sid == in.StatementId {
				return &lambdaError{http.StatusConflict, "ResourceConflictException",
					"The statement id (" + in.StatementId + ") provided already exists. Please provide a new statement id, or remove the existing statement."}
			}
		}
		p := account.Permission{Sid: in.StatementId, Action: in.Action, Principal: in.Principal, SourceArn: in.SourceArn, SourceAccount: in.SourceAccount}
		f.Policy = append(f.Policy, p)
		f.Touch(a.o.Now())
		one := account.Function{Policy: []account.Permission{p}}
		var parsed struct{ Statement []json.RawMessage }
		_ = json.Unmarshal([]byte(one.PolicyDocument(FunctionARN(a.r.region, name))), &parsed)
		doc = string(parsed.Statement[0])
		return nil
	})
	if err != nil {
		var le *lambdaError
		if errors.As(err, &le) {
			return 0, nil, nil, le
		}
		return 0, nil, nil, &lambdaError{http.StatusInternalServerError, "ServiceException", err.Error()}
	}
	return http.StatusCreated, map[string]string{"Statement": doc}, nil, nil
}

func (a *api) removePermission(name, sid string) (int, any, map[string]string, *lambdaError) {
	if _, e := a.function(name); e != nil {
		return 0, nil, nil, e
	}
	err := a.o.Account.Update(func(acct *account.Account) error {
		f := acct.Functions[name]
		for i, p := range f.Policy {
			if p.Sid == sid {
				f.Policy = append(f.Policy[:i], f.Policy[i+1:]...)
				f.Touch(a.o.Now())
				return nil
			}
		}
		return &lambdaError{http.StatusNotFound, "ResourceNotFoundException", "Statement " + sid + " is not found in resource policy."}
	})
	if err != nil {
		var le *lambdaError
		if errors.As(err, &le) {
			return 0, nil, nil, le
		}
		return 0, nil, nil, &lambdaError{http.StatusInternalServerError, "ServiceException", err.Error()}
	}
	return http.StatusNoContent, []byte{}, nil, nil
}

// invoke runs the function with the payload, synchronously (RequestResponse) or, for Event,
// in the background. A rotation step's event must name the step, the secret and the token.
func (a *api) invoke(req *http.Request, name string, body []byte) (int, any, map[string]string, *lambdaError) {
	if _, e := a.function(name); e != nil {
		return 0, nil, nil, e
	}
	var ev struct{ Step, SecretId, ClientRequestToken string }
	if err := json.Unmarshal(body, &ev); err != nil {
		return 0, nil, nil, &lambdaError{http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: " + err.Error()}
	}
	arn := FunctionARN(a.r.region, name)
	event := rotation.Event{Step: ev.Step, SecretID: ev.SecretId, ClientRequestToken: ev.ClientRequestToken}
	switch req.Header.Get("X-Amz-Invocation-Type") {
	case "Event":
		go func() { _ = a.r.Run(context.Background(), arn, event) }() //nolint:errcheck // the log says how it went
		return http.StatusAccepted, []byte{}, nil, nil
	case "DryRun":
		return http.StatusNoContent, []byte{}, nil, nil
	}
	err := a.r.Run(req.Context(), arn, event)
	headers := map[string]string{"X-Amz-Executed-Version": "$LATEST"}
	if req.Header.Get("X-Amz-Log-Type") == "Tail" {
		headers["X-Amz-Log-Result"] = base64.StdEncoding.EncodeToString([]byte(a.r.lastLog(name, 4096)))
	}
	if err != nil {
		headers["X-Amz-Function-Error"] = "Unhandled"
		payload, _ := json.Marshal(map[string]any{"errorMessage": err.Error(), "errorType": errorType(err), "stackTrace": []string{}})
		return http.StatusOK, payload, headers, nil
	}
	return http.StatusOK, []byte("null"), headers, nil
}

// lastLog is the end of the function's log, at most n bytes, for Invoke's LogType Tail.
func (r *Registry) lastLog(name string, n int) string {
	rt := r.runtime()
	if rt == nil || rt.Logs == nil {
		return ""
	}
	evs, _, _ := rt.Logs.Events(logsQuery(LogGroup(name)))
	var b bytes.Buffer
	for _, e := range evs {
		b.WriteString(e.Message + "\n")
	}
	s := b.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

func authError(f *sigv4.Failure) *lambdaError {
	switch f.Kind {
	case sigv4.Missing:
		return &lambdaError{http.StatusForbidden, "MissingAuthenticationTokenException", f.Message}
	case sigv4.UnknownKey:
		return &lambdaError{http.StatusForbidden, "UnrecognizedClientException", f.Message}
	case sigv4.Incomplete:
		return &lambdaError{http.StatusForbidden, "IncompleteSignatureException", f.Message}
	}
	return &lambdaError{http.StatusForbidden, "InvalidSignatureException", f.Message}
}

func writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	b, _ := json.Marshal(v) // only the fixed shapes above are encoded
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers in REST-JSON's error form: the type in X-Amzn-ErrorType (the Go SDK)
// and in the body (botocore), the message in the body.
func writeError(w http.ResponseWriter, reqID string, e *lambdaError) {
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	writeJSON(w, reqID, e.status, map[string]string{"Type": "User", "__type": e.typ, "message": e.msg})
}
