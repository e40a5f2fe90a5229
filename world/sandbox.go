// Package world builds the place the tutorial happens: the in-process sandbox or a real AWS
// account. Both give the steps the same Env; only this package (and main.go, which picks
// one) knows which it is.
package world

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
	"rotation-tutor/internal/vclock"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/steps"
)

// SandboxOptions configure the sandbox world.
type SandboxOptions struct {
	StateDir string // where the sandbox keeps its data between runs
	Engine   string // "gms" (embedded, default) or "mariadb"
	// RequireTLS makes the sandbox's databases refuse plain-text logins (--db-require-tls).
	RequireTLS bool
	// Attach uses the sandbox already running on StateDir (the walkthrough's,
	// from another shell) when there is one, instead of refusing to start:
	// for commands that only look (doctor).
	Attach bool
	// Observe, if set, sees every rotation step the sandbox's functions run,
	// before the walkthrough does; it may block a step (tests hold a
	// rotation half-way with it).
	Observe func(rotation.StepEvent)
	// TimeScale is how fast the sandbox's clock runs: N seconds per real
	// second (0 or 1: real time).
	TimeScale float64
}

// stepEventBuffer is how many rotation step events wait for the walkthrough to drain them;
// past that, events are dropped rather than ever slowing a rotation down.
const stepEventBuffer = 256

type sandboxWorld struct {
	opts SandboxOptions

	mu       sync.Mutex
	sb       *sandbox.Sandbox
	closeSMs func()
}

// Sandbox returns the world that runs everything in this process.
func Sandbox(o SandboxOptions) steps.World { return &sandboxWorld{opts: o} }

func (w *sandboxWorld) Start(ctx context.Context, progress func(string)) (*steps.Env, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sb != nil || w.closeSMs != nil {
		return nil, errors.New("the sandbox is already running")
	}
	if progress == nil {
		progress = func(string) {}
	}
	if w.opts.Attach {
		in, ok, err := sandbox.Attach(w.opts.StateDir)
		if err != nil {
			return nil, err
		}
		if ok {
			progress("using the sandbox already running on " + w.opts.StateDir)
			pw, err := sandbox.MasterPassword(w.opts.StateDir)
			if err != nil {
				return nil, err
			}
			return w.env(in, pw)
		}
	}
	scale := w.opts.TimeScale
	if scale == 0 {
		scale = 1
	}
	clock, err := vclock.New(scale)
	if err != nil {
		return nil, err
	}
	pace := &rotation.Pace{}
	events := make(chan rotation.StepEvent, stepEventBuffer)
	progress("starting the bastion, the database and the Secrets Manager endpoint")
	sb, err := sandbox.Start(ctx, sandbox.Options{
		StateDir:   w.opts.StateDir,
		Engine:     w.opts.Engine,
		Clock:      clock,
		Pace:       pace,
		RequireTLS: w.opts.RequireTLS,
		Observe: func(ev rotation.StepEvent) {
			if w.opts.Observe != nil {
				w.opts.Observe(ev)
			}
			select {
			case events <- ev:
			default:
			}
		},
	})
	if err != nil {
		return nil, err
	}
	env, err := w.env(sb.Info(), sb.ClassicMasterPassword())
	if err != nil {
		sb.Close()
		return nil, err
	}
	w.sb = sb
	env.StepEvents = events
	env.WaitRotations = sb.WaitRotations
	env.Clock, env.Pace = sb.Clock(), pace
	progress("sandbox ready")
	return env, nil
}

// env is the environment a sandbox's Info describes, with the older tutorial's master
// password, which Info never holds, and the sandbox's CA bundle, which verifies its
// databases' certificates. Call with w.mu held.
func (w *sandboxWorld) env(in sandbox.Info, masterPassword string) (*steps.Env, error) {
	var ca *dbclient.CABundle
	if in.Database.CABundleFile != "" { // a sandbox of an older rotation-tutor names none
		var err error
		if ca, err = dbclient.LoadCABundle(in.Database.CABundleFile); err != nil {
			return nil, err
		}
	}
	secrets, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	rdsClient, closeRDS := lambda.NewRDSClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	transport := http.DefaultTransport.(*http.Transport).Clone()
	side := awsclient.NewFunctionSide(aws.Config{Region: in.Region, HTTPClient: &http.Client{Transport: transport},
		Credentials: credentials.NewStaticCredentialsProvider(in.AccessKeyID, in.SecretAccessKey, "")}, in.SecretsManagerEndpoint)
	w.closeSMs = func() { closeIdle(); closeRDS(); transport.CloseIdleConnections() }
	return &steps.Env{
		Kind:            steps.KindSandbox,
		Region:          in.Region,
		Secrets:         secrets,
		SecretsEndpoint: in.SecretsManagerEndpoint,
		ShellSetup:      in.Commands.AWSEnv,
		SSH: dbclient.SSHConfig{
			Addr:           net.JoinHostPort(in.Bastion.Host, strconv.Itoa(in.Bastion.Port)),
			User:           in.Bastion.User,
			KeyFile:        in.Bastion.PrivateKeyFile,
			KnownHostsFile: in.Bastion.KnownHostsFile,
			Timeout:        5 * time.Second,
			KeepAlive:      15 * time.Second,
		},
		DBHost:         in.Database.Host,
		DBPort:         in.Database.Port,
		DBName:         in.Database.Name,
		DBInstance:     in.Database.Instance,
		DBCA:           ca,
		AdminSecretARN: in.Database.AdminSecretARN,
		Classic: &steps.Database{Instance: in.ClassicDatabase.Instance, Host: in.ClassicDatabase.Host, Port: in.ClassicDatabase.Port,
			MasterPassword: func() string { return masterPassword }},
		RDS:                 rdsClient,
		FunctionSide:        side,
		Lab:                 sandboxLab{dir: w.opts.StateDir, in: in},
		RotationLambdaARN:   in.RotationFunctionARN,
		SingleUserLambdaARN: in.SingleUserFunctionARN,
	}, nil
}

func (w *sandboxWorld) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closeSMs != nil {
		w.closeSMs()
		w.closeSMs = nil
	}
	if w.sb == nil {
		return nil
	}
	err := w.sb.Close()
	w.sb = nil
	return err
}
