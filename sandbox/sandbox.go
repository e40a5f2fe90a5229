// Package sandbox is "a VPC in a process": it starts and wires together the pieces that stand
// in for AWS — a Secrets Manager endpoint (with RDS's DescribeDBInstances and
// DeleteDBInstance beside it), an SSH bastion, two MySQL-compatible database instances that
// only the bastion and the rotation functions can reach (the current tutorial's, with its
// RDS-managed admin secret, and the older tutorial's MyTestDatabaseInstance), and a Lambda
// registry holding the rotation functions.
//
// Nothing above this package knows it is talking to a sandbox: it gets an endpoint URL,
// static credentials, a bastion address with a host key, and an admin secret ARN, exactly the
// facts a real account would give.
//
// Only two things listen, both on loopback: the endpoint (which checks every request's SigV4
// signature against this state directory's own access key) and the bastion (which lets in
// only its generated key). The database has no port: the bastion's forward and the rotation
// functions reach it in this process.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/crypto/ssh"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/loopback"
	"rotation-tutor/internal/netguard"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/bastion"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/logs"
	"rotation-tutor/sandbox/rds"
	"rotation-tutor/sandbox/secretsmanager"
)

// Fixed facts of the sandbox "account": the tutorial's names. Its access key is each state
// directory's own (Info.AccessKeyID, Info.SecretAccessKey).
const (
	AccountID     = "000000000000"
	DefaultRegion = "us-east-1"
	InstanceID    = "secretsmanagertutorial"
	AdminUser     = "admin"
	BastionUser   = "ec2-user"
	dbPort        = 3306
)

// Options configure Start.
type Options struct {
	// StateDir keeps the sandbox's data (secrets, database users, keys) across runs.
	// Empty means a temporary directory that Close removes.
	StateDir string
	Region   string // default us-east-1
	Engine   string // database engine: "" or "gms" (embedded), "mariadb" (child process)
	// RequireTLS sets require_secure_transport ON in the instances' DB parameter group, as
	// it is by default on RDS for MySQL 9.7 and RDS for MariaDB 11.8: the databases refuse
	// plain-text logins. The group keeps it, as RDS does, until `aws rds
	// modify-db-parameter-group` sets it to 0 (or --reset); false leaves it as it is. The
	// databases offer TLS, verified by the sandbox's CA, either way, as RDS instances do.
	RequireTLS bool
	// Observe, if set, sees every step the rotation functions run.
	Observe func(rotation.StepEvent)
	// RetryDelay is the pause before the first retry of a failed rotation,
	// doubled before the next (default: the endpoint's, Lambda's minute).
	RetryDelay time.Duration
	// ConnectTimeout is how long a connection the network drops takes to fail (a rotation
	// function's to the database; default 5 s, the template's connect_timeout).
	ConnectTimeout time.Duration
	// Clock is the sandbox's time (nil: a clock at real speed). The
	// endpoint's dates, schedules and retries run on it; a restart on old
	// state resumes it no earlier than the newest date the state holds.
	Clock *vclock.Clock
	// Pace, if set, holds each step the rotation functions run (slow motion).
	Pace *rotation.Pace
	// OnRotation, if set, hears how each rotation ended (and, for one its
	// schedule started, in which window), from the rotation's goroutine.
	OnRotation func(secretsmanager.RotationResult)
	// Logf, if set, hears what the servers want known and no client is told:
	// accept errors, connections closed to make room, failed rotation
	// attempts, failed writes. Nil is silent. It never receives a secret.
	Logf func(format string, args ...any)
}

// Sandbox is a running sandbox. Its zero value is not usable; call Start.
type Sandbox struct {
	info      Info
	sm        *secretsmanager.Service
	http      *http.Server
	current   *dbInstance // the current tutorial's, with the RDS-managed admin secret
	classic   *dbInstance // the older tutorial's MyTestDatabaseInstance
	bastion   *bastion.Bastion
	lambdas   *lambda.Registry
	acct      *account.Store               // the set-up faults live in: functions' configuration, roles, network
	logs      *logs.Store                  // CloudWatch Logs: the functions' log groups
	routes    map[string]dbclient.DialFunc // the VPC's private network: internal name -> how to reach it
	serveMu   sync.Mutex
	services  map[string]http.Handler // by the service a request is signed for: lambda, logs
	tempDir   string
	clock     *vclock.Clock
	unlock    func()
	unpublish func() // removes the runtime file that lets other commands attach
	closeOnce sync.Once
	closeErr  error
}

// Start brings every piece up, in dependency order, and returns once all of them accept
// connections. On error nothing is left running.
func Start(ctx context.Context, o Options) (sb *Sandbox, err error) {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	s := &Sandbox{}
	defer func() {
		if err != nil {
			s.Close()
			sb = nil
		}
	}()
	if o.StateDir == "" {
		if s.tempDir, err = os.MkdirTemp("", "rotation-tutor-sandbox-"); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		o.StateDir = s.tempDir
	}
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox: state directory: %w", err)
	}
	if s.unlock, err = lockState(o.StateDir); err != nil {
		return nil, err
	}
	if err := checkManifest(o.StateDir); err != nil {
		return nil, err
	}
	if err := keepPrivate(o.StateDir); err != nil {
		return nil, err
	}
	id, err := loadIdentity(o.StateDir)
	if err != nil {
		return nil, err
	}
	internalHost := fmt.Sprintf("%s.%s.%s.rds.sandbox.internal", InstanceID, id.InstanceSuffix, o.Region)
	var manifestMu sync.Mutex
	s.current = newInstance(o.StateDir, "database", internalHost, o.Region, database.Options{Engine: o.Engine}, InstanceID, AdminUser, &manifestMu)
	s.classic = newClassicInstance(o, id, &manifestMu)
	s.classic.desc.SecurityGroups = []string{account.DatabaseGroup}
	ca, caFile, err := databaseCA(o.StateDir, id.stateKey)
	if err != nil {
		return nil, err
	}
	group := &rds.ParameterGroup{Name: parameterGroup, SetRequireSecureTransport: s.setRequireSecureTransport}
	for _, i := range []*dbInstance{s.current, s.classic} {
		if err := i.serveTLS(ca); err != nil {
			return nil, err
		}
		i.desc.ParameterGroup = group
	}
	bundle, err := caBundle(ca, caFile)
	if err != nil {
		return nil, err
	}
	credentialsFile, err := writeCredentials(o.StateDir, id.accessKey)
	if err != nil {
		return nil, err
	}

	// Secrets Manager first: the admin secret is the source of truth for the admin password.
	if s.clock = o.Clock; s.clock == nil {
		s.clock, _ = vclock.New(1)
	}
	s.lambdas = lambda.NewRegistry(o.Region)
	s.lambdas.SetPace(o.Pace)
	s.sm, err = secretsmanager.New(secretsmanager.Options{
		Region: o.Region, AccountID: AccountID, AccessKeys: id.accessKeys(),
		StatePath: filepath.Join(o.StateDir, secretsFile), StateKey: id.stateKey,
		Invoker: s.lambdas, RetryDelay: o.RetryDelay, Logf: o.Logf, IdentityPolicies: s.rolePolicies,
		Clock: s.clock, OnRotation: o.OnRotation,
	})
	if err != nil {
		return nil, fmt.Errorf("sandbox: secrets manager: %w (start over with --reset)", err)
	}
	// Time never runs back for the secrets: a clock that ran fast or jumped
	// before a restart goes on from where their dates are.
	s.clock.JumpTo(s.sm.Latest())
	last := loadPorts(o.StateDir)
	l, err := loopback.Listen(ctx, last.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("sandbox: endpoint listener: %w", err)
	}
	endpoint := "http://" + l.Addr().String()

	if s.logs, err = logs.Open(filepath.Join(o.StateDir, logsFile), s.clock.Now); err != nil {
		l.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	adminName := "rds!db-" + id.AdminSecretUUID
	adminARN, adminPassword, err := s.adminSecret(ctx, adminName, o, endpoint, id.accessKey, l)
	if err != nil {
		return nil, err
	}
	if err := s.openAccount(o.StateDir, o.Region, endpoint, adminARN, id.accessKey.ID); err != nil {
		return nil, err
	}

	if o.RequireTLS {
		if err := s.setRequireSecureTransport(true); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	for _, i := range []*dbInstance{s.current, s.classic} {
		i.opts.RequireSecureTransport, i.opts.RequireSecureTransportNow = s.requireSecureTransport(), s.requireSecureTransport
	}
	s.current.opts.AdminPassword = adminPassword
	s.current.opts.RejectedPasswordCharacters = s.rejectedPasswordCharacters
	s.current.onDelete = deleteManagedSecret(adminARN, o.Region, endpoint, id.accessKey)
	if err := s.current.start(ctx); err != nil {
		return nil, fmt.Errorf("sandbox: database: %w", err)
	}
	s.classic.logf = o.Logf
	s.classic.startBehind()
	s.routes = routes(s.current, s.classic)
	s.lambdas.SetRuntime(&lambda.Runtime{Account: s.acct, Logs: s.logs, Endpoint: endpoint, ConnectTimeout: o.ConnectTimeout})
	if err := s.lambdas.RegisterTutorial(lambda.Config{
		EndpointURL:  endpoint,
		FunctionKeys: id.functionKeys,
		Routes:       s.routes,
		CA:           bundle,
		Observe:      o.Observe,
	}); err != nil {
		return nil, fmt.Errorf("sandbox: rotation functions: %w", err)
	}

	keyFile := filepath.Join(o.StateDir, clientKey)
	key, err := bastion.LoadOrCreateClientKey(keyFile)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w (start over with --reset)", err)
	}
	if s.bastion, err = bastion.Start(ctx, bastion.Options{
		StateDir: filepath.Join(o.StateDir, "bastion"), User: BastionUser,
		AuthorizedKeys: []ssh.PublicKey{key.Public}, Routes: s.routes, Port: last.Bastion, Logf: o.Logf,
		Policy: bastionPolicy{s},
	}); err != nil {
		return nil, fmt.Errorf("sandbox: bastion: %w", err)
	}
	knownHosts, err := writeKnownHosts(o.StateDir, s.bastion)
	if err != nil {
		return nil, err
	}

	if err := saveManifest(o.StateDir); err != nil {
		return nil, err
	}
	// A rotation that a crash or a stop cut short goes on now, as AWS's would have.
	s.sm.RotateDue(ctx)
	s.sm.StartScheduler()
	s.info = newInfo(infoFacts{
		region: o.Region, endpoint: endpoint, internalHost: internalHost, adminARN: adminARN,
		accessKey: id.accessKey, credentialsFile: credentialsFile,
		bastion: s.bastion, keyFile: keyFile, knownHosts: knownHosts, engine: s.current.db.Engine(),
		classic:   s.classic.desc,
		timeScale: s.clock.Scale(),
		caFile:    caFile, requireTLS: s.requireSecureTransport(),
	})
	if err := (ports{Endpoint: loopback.Port(l.Addr()), Bastion: s.info.Bastion.Port}).save(o.StateDir); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if s.unpublish, err = publish(o.StateDir, s.info); err != nil {
		return nil, err
	}
	return s, nil
}

// adminSecret creates the RDS-managed admin secret on first start (RDS names it
// rds!db-<uuid>, describes it with the instance's ARN and tags it as owned by RDS), starts
// serving the endpoint, and reads the secret back through the SDK the way any client would:
// on later starts the password the database must accept is the one stored there.
func (s *Sandbox) adminSecret(ctx context.Context, name string, o Options, endpoint string, key secretsmanager.AccessKey, l net.Listener) (arn, password string, err error) {
	region := o.Region
	instanceARN := rds.Instance{Identifier: InstanceID, Region: region, AccountID: AccountID}.ARN()
	fresh, err := json.Marshal(map[string]string{"username": AdminUser, "password": randomPassword(32)})
	if err != nil {
		return "", "", err
	}
	arn, err = s.sm.Seed(name,
		"The secret associated with the primary RDS DB instance: "+instanceARN,
		string(fresh),
		map[string]string{"aws:rds:primaryDBInstanceArn": instanceARN, "aws:secretsmanager:owningService": "rds"})
	if err != nil {
		l.Close() // not served yet, so Close would not reach it
		return "", "", fmt.Errorf("sandbox: admin secret: %w", err)
	}
	s.current.desc.MasterSecretARN = arn
	s.current.desc.SecurityGroups = []string{account.DatabaseGroup}
	s.serve(l, s.current.rdsInstance(), o.Logf)

	client, closeIdle := lambda.NewSecretsClient(region, endpoint, key)
	defer closeIdle()
	out, err := client.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", "", fmt.Errorf("sandbox: read admin secret: %w", err)
	}
	var v struct{ Password string }
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &v); err != nil || v.Password == "" {
		return "", "", errors.New("sandbox: the admin secret has no password field; start over with --reset")
	}
	return arn, v.Password, nil
}

// serve answers both APIs on one listener, as a VPC endpoint would: JSON 1.1 requests
// (X-Amz-Target) go to Secrets Manager, Query-protocol form posts (Action=…) to RDS. Both
// check signatures against the keys the endpoint accepts (the learner's and the rotation
// functions'). The listener holds at most a share of the process's descriptors; when
// full, it makes room by closing the connection idle longest.
func (s *Sandbox) serve(l net.Listener, inst rds.Instance, logf func(string, ...any)) {
	rdsHandler := rds.NewHandler(inst, s.sm.SecretKey)
	rdsHandler.Add(s.classic.rdsInstance())
	// The other services' handlers need the set-up, made once the admin secret exists.
	others := func(service string) http.Handler {
		s.serveMu.Lock()
		defer s.serveMu.Unlock()
		return s.services[service]
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := others(signedFor(r)); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("X-Amz-Target") == "" && r.Method == http.MethodPost &&
			r.Header.Get("Content-Type") != "" && isForm(r.Header.Get("Content-Type")) {
			rdsHandler.ServeHTTP(w, r)
			return
		}
		s.sm.ServeHTTP(w, r)
	})
	limited := netguard.Limit(l, netguard.Options{MaxConns: netguard.Share(64, 1024), Logf: logf})
	s.http = secretsmanager.NewHTTPServer(mux, limited, logf)
	go s.http.Serve(limited) //nolint:errcheck // returns http.ErrServerClosed on Close
}

func isForm(contentType string) bool {
	return len(contentType) >= 33 && contentType[:33] == "application/x-www-form-urlencoded"
}

// Info is what the sandbox publishes: everything a client needs, as a real account would.
func (s *Sandbox) Info() Info { return s.info }

// Clock is the sandbox's time: the endpoint's dates and schedules run on it.
func (s *Sandbox) Clock() *vclock.Clock { return s.clock }

// Endpoint is the Secrets Manager (and RDS) endpoint URL.
func (s *Sandbox) Endpoint() string { return s.info.SecretsManagerEndpoint }

// WaitRotations blocks until no rotation is in flight.
func (s *Sandbox) WaitRotations(ctx context.Context) error { return s.sm.WaitRotations(ctx) }

// RotateDue starts every rotation whose schedule is due now.
func (s *Sandbox) RotateDue(ctx context.Context) int { return s.sm.RotateDue(ctx) }

// DialVPC dials as something inside the sandbox's VPC would: the database's internal name
// resolves, nothing else does. The rotation functions and the bench's probe clients use it.
func (s *Sandbox) DialVPC() dbclient.DialFunc { return lambda.VPCDialer(s.routes) }

// Rotations lists the rotations that have not finished: running, waiting to be retried, or
// failed for good (with the last attempt's error), as AWS would report through CloudTrail.
func (s *Sandbox) Rotations() []secretsmanager.RotationStatus { return s.sm.Rotations() }

// StateBytesWritten is how many bytes the endpoint has written to its state file since Start.
func (s *Sandbox) StateBytesWritten() int64 { return s.sm.BytesWritten() }

// DropBastionConnections cuts every SSH connection, as a bastion reboot would.
func (s *Sandbox) DropBastionConnections() { s.bastion.DropAll() }

// Close stops everything in reverse order of dependence — no new SSH clients, then the
// endpoint's service and its scheduler (which cancels and waits for rotations in flight:
// they need the endpoint's HTTP server and the database), then the server, then the database — and leaves no goroutine, listener or child process behind.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.unpublish != nil {
			s.unpublish()
		}
		if s.bastion != nil {
			errs = append(errs, s.bastion.Close())
		}
		if s.sm != nil {
			errs = append(errs, s.sm.Close())
		}
		if s.http != nil {
			errs = append(errs, ignoreClosed(s.http.Close()))
		}
		if s.lambdas != nil {
			s.lambdas.Close()
		}
		if s.logs != nil {
			errs = append(errs, s.logs.Close())
		}
		for _, i := range []*dbInstance{s.current, s.classic} {
			if i != nil {
				errs = append(errs, i.close())
			}
		}
		if s.unlock != nil {
			s.unlock()
		}
		if s.tempDir != "" {
			errs = append(errs, os.RemoveAll(s.tempDir))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
