package lambda

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	smsvc "rotation-tutor/sandbox/secretsmanager"
)

// Config wires the tutorial's two functions to a running sandbox.
type Config struct {
	// EndpointURL is the sandbox Secrets Manager's URL (its VPC endpoint).
	EndpointURL string
	// RDSEndpointURL answers RDS's DescribeDBInstances, which finds the
	// RDS-managed admin secret's database; empty: EndpointURL, where the
	// sandbox serves it too.
	RDSEndpointURL string
	// Routes maps the database's internal address ("host:port", as in the
	// secret) to how a function inside the VPC reaches it.
	Routes map[string]dbclient.DialFunc
	// FunctionKeys sign each function's requests to the endpoints, by function
	// name (FunctionKeys): in AWS, a Lambda's execution role.
	FunctionKeys map[string]smsvc.AccessKey
	// CA verifies the database's TLS certificate; nil leaves it unverified.
	CA *dbclient.CABundle
	// Password and UsernameLimit are the functions' settings (the
	// template's environment variables); zero values are its defaults.
	Password      rotation.PasswordPolicy
	UsernameLimit int
	// Observe, if set, sees every step of both functions.
	Observe func(rotation.StepEvent)
}

// RegisterTutorial registers the alternating-users and single-user functions
// under AlternatingARN and SingleUserARN. Each reaches Secrets Manager and RDS
// through SDK clients of its own, signing with its own key; Close releases
// their connections.
func (r *Registry) RegisterTutorial(cfg Config) error {
	if cfg.EndpointURL == "" {
		return errors.New("lambda: EndpointURL is required")
	}
	strategies := map[string]rotation.Strategy{
		AlternatingName: rotation.AlternatingUsers,
		SingleUserName:  rotation.SingleUser,
	}
	for name := range strategies {
		if _, ok := cfg.FunctionKeys[name]; !ok {
			return fmt.Errorf("lambda: no access key for %s", name)
		}
	}
	rdsURL := cfg.RDSEndpointURL
	if rdsURL == "" {
		rdsURL = cfg.EndpointURL
	}
	var closers []func()
	dial := VPCDialer(cfg.Routes)
	for name, strategy := range strategies {
		// Each function signs as its own session of the rotation role, as a Lambda
		// function runs with its execution role: a secret's policy sees that principal.
		// What it reaches is the network's to say, at each connection.
		key := cfg.FunctionKeys[name]
		g := gate{r: r, name: name}
		client, closeIdle := newSecretsClient(r.region, cfg.EndpointURL, key, g.reachesSecretsManager)
		rdsClient, closeRDS := NewRDSClient(r.region, rdsURL, key)
		closers = append(closers, closeIdle, closeRDS)
		r.Register(FunctionARN(r.region, name), &rotation.Function{
			Secrets: client, RDS: rdsClient, Dial: gatedDial(dial, g.reachesDatabase, r.connectTimeout), CA: cfg.CA, Strategy: strategy,
			Password: cfg.Password, UsernameLimit: cfg.UsernameLimit, Observe: cfg.Observe,
		})
	}
	r.mu.Lock()
	r.closers = append(r.closers, closers...)
	r.mu.Unlock()
	return nil
}

// Close releases the idle connections of the SDK clients RegisterTutorial
// made. Registered functions stay registered.
func (r *Registry) Close() {
	r.mu.Lock()
	closers := r.closers
	r.closers = nil
	r.mu.Unlock()
	for _, c := range closers {
		c()
	}
}

// NewSecretsClient returns an aws-sdk-go-v2 Secrets Manager client for the
// sandbox endpoint, signing with key, and a function that closes its idle
// connections.
func NewSecretsClient(region, endpointURL string, key smsvc.AccessKey) (*sm.Client, func()) {
	return newSecretsClient(region, endpointURL, key, nil)
}

// newSecretsClient is NewSecretsClient whose requests get through only while open says so
// (nil: always).
func newSecretsClient(region, endpointURL string, key smsvc.AccessKey, open func() bool) (*sm.Client, func()) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	var rt http.RoundTripper = transport
	if open != nil {
		rt = gatedTransport{inner: transport, open: open}
	}
	client := sm.New(sm.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpointURL),
		Credentials:  credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		HTTPClient:   &http.Client{Transport: rt},
	})
	return client, transport.CloseIdleConnections
}

// NewRDSClient returns an aws-sdk-go-v2 RDS client for the sandbox endpoint,
// signing with key, and a function that closes its idle connections.
func NewRDSClient(region, endpointURL string, key smsvc.AccessKey) (*rds.Client, func()) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	client := rds.New(rds.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpointURL),
		Credentials:  credentials.NewStaticCredentialsProvider(key.ID, key.Secret, ""),
		HTTPClient:   &http.Client{Transport: transport},
	})
	return client, transport.CloseIdleConnections
}

// VPCDialer resolves addresses as the sandbox VPC does: an internal name
// found in routes is dialled its way; anything else is unreachable from
// inside, as a Lambda without internet access would find.
func VPCDialer(routes map[string]dbclient.DialFunc) dbclient.DialFunc {
	table := maps.Clone(routes)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := table[addr]
		if !ok {
			return nil, fmt.Errorf("dial %s %s: no route to host from inside the sandbox VPC", network, addr)
		}
		return to(ctx, network, addr)
	}
}

// TCPRoute is a route to a service that listens on a TCP address (a test's
// MariaDB peer).
func TCPRoute(addr string) dbclient.DialFunc {
	var d net.Dialer
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
}
