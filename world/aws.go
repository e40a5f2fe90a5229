package world

// The real-AWS world: this file and aws_*.go.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
	"rotation-tutor/steps"
)

// AWS returns the world of a real account, reached with the standard
// credential chain.
func AWS(o AWSOptions) steps.World { return &awsWorld{o: o} }

type awsWorld struct {
	o   AWSOptions
	ask steps.Asker // nil: a missing setting is an error
}

// Start checks the settings, loads credentials, confirms the identity,
// and discovers what was not given. It opens no connection that outlives it:
// the steps open the tunnel from Env.SSH.
func (w *awsWorld) Start(ctx context.Context, progress func(stage string)) (*steps.Env, error) {
	if progress == nil {
		progress = func(string) {}
	}
	o := w.o
	var dbCA *dbclient.CABundle
	if o.DBCABundle != "" {
		var err error
		if dbCA, err = dbclient.LoadCABundle(o.DBCABundle); err != nil {
			return nil, err
		}
	}
	progress(credentialsStage(o))
	cfg, err := awsclient.Load(ctx, awsclient.Config{Region: o.Region, Profile: o.Profile, EndpointURL: o.EndpointURL})
	if err != nil {
		return nil, err // an *awsclient.Error: says what to do
	}
	var remembered []string
	if o.RememberPath != "" {
		r, ok, err := RememberedFor(o.RememberPath, profileOf(o), cfg.Region, o.EndpointURL)
		if err != nil {
			progress("remembered settings not used: " + err.Error())
		} else if ok {
			if remembered = o.fill(r); len(remembered) > 0 {
				progress("remembered for this profile, region and endpoint: " + strings.Join(remembered, ", "))
			}
			if cfg.Region == "" {
				cfg.Region = o.Region
			}
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: give --region, set AWS_REGION, or set the profile's region " +
			"(`aws configure set region eu-west-1`)")
	}
	o.Region = cfg.Region
	w.o = o
	if err := w.askMissing(ctx); err != nil {
		return nil, err
	}
	o = w.o
	user, addr, err := ParseBastion(o.Bastion)
	if err != nil {
		return nil, err
	}
	keyFile, err := resolveKey(o.KeyFile)
	if err != nil {
		return nil, err
	}
	khFile, err := knownHosts(o.KnownHostsFile)
	if err != nil {
		return nil, err
	}

	var identity func(context.Context) (string, error)
	if o.EndpointURL != "" {
		progress("identity check skipped: the endpoint " + o.EndpointURL + " has no STS")
	} else {
		identity = func(ctx context.Context) (string, error) { return callerIdentity(ctx, cfg) }
		who, err := identity(ctx)
		if err != nil {
			return nil, err
		}
		progress("signed in as " + who + " in " + cfg.Region)
	}

	rdsc := rdsClient(cfg, o.EndpointURL)
	env := &steps.Env{
		Kind:              steps.KindAWS,
		RDS:               rdsc,
		FunctionSide:      awsclient.NewFunctionSide(cfg, o.EndpointURL),
		DBCA:              dbCA,
		Region:            cfg.Region,
		Profile:           o.Profile,
		Secrets:           awsclient.SecretsManager(cfg, o.EndpointURL),
		SecretsEndpoint:   o.EndpointURL,
		SecretName:        o.SecretName,
		DBHost:            o.DBHost,
		DBPort:            o.DBPort,
		DBInstance:        o.DBInstance,
		AdminSecretARN:    o.AdminSecretARN,
		RotationLambdaARN: o.RotationLambdaARN,
		Pace:              &rotation.Pace{}, // the local rotator's steps; a real Lambda's cannot be held
		Identity:          identity,
		Remembered:        remembered,
		SSH: dbclient.SSHConfig{
			Addr: addr, User: user, KeyFile: keyFile, KnownHostsFile: khFile,
			OnUnknownHost: o.OnUnknownHost, Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		},
	}
	if env.DBHost == "" || env.AdminSecretARN == "" {
		progress(discoveryStage(o.DBInstance))
		d, err := discoverDB(ctx, rdsc, o.DBInstance)
		if err != nil {
			return nil, err
		}
		env.DBInstance = d.Instance
		if env.DBHost == "" {
			env.DBHost, env.DBPort = d.Host, d.Port
		}
		if env.AdminSecretARN == "" {
			// The older tutorial's instance has none: its master secret is the learner's own.
			env.AdminSecretARN = d.AdminSecretARN
		}
		admin := env.AdminSecretARN
		if admin == "" {
			admin = "none managed by RDS (the older tutorial stores its own; the current one needs --admin-secret)"
		}
		progress(fmt.Sprintf("found %s at %s:%d, admin secret %s", d.Instance, env.DBHost, env.DBPort, admin))
	}
	if env.DBPort == 0 {
		env.DBPort = 3306
	}
	if o.RotationLambdaARN == "" {
		progress("rotation: the local rotator runs the four steps from here, through the tunnel")
	}
	if o.RememberPath != "" {
		o.KeyFile, o.Profile = keyFile, profileOf(o)
		_ = RememberTo(o.RememberPath, o) // best effort: not remembering only costs retyping flags
	}
	return env, nil
}

// profileOf is the profile the credentials come from, as the key of the
// remembered settings.
func profileOf(o AWSOptions) string {
	if o.Profile != "" {
		return o.Profile
	}
	return os.Getenv("AWS_PROFILE")
}

// Close has nothing to release: Start leaves no connection open.
func (w *awsWorld) Close() error { return nil }

func credentialsStage(o AWSOptions) string {
	s := "loading AWS credentials"
	if o.Profile != "" {
		s += " (profile " + o.Profile + ")"
	}
	return s
}

func discoveryStage(instance string) string {
	if instance == "" {
		return "finding the MySQL instance and its admin secret (rds:DescribeDBInstances)"
	}
	return "finding " + instance + " and its admin secret (rds:DescribeDBInstances)"
}

func callerIdentity(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", awsclient.Explain("check the AWS identity (sts:GetCallerIdentity)", err)
	}
	return aws.ToString(out.Arn), nil
}
