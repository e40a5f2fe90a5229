// Package awsclient gives the tutorial its Secrets Manager client, for real
// AWS (the standard credential chain, a profile, a region) or for any
// endpoint URL with static credentials (a VPC endpoint, the sandbox), and
// turns what goes wrong into plain language: what happened and what to do.
// It never knows whether it talks to AWS or to the sandbox.
package awsclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Config says where to find AWS. Everything is optional: empty fields fall
// back to the standard chain (AWS_PROFILE, AWS_REGION, ~/.aws, SSO,
// environment, instance role).
type Config struct {
	Region  string
	Profile string
	// EndpointURL replaces the Secrets Manager endpoint (a VPC endpoint or
	// the sandbox); SecretsManager applies it, other services keep theirs.
	EndpointURL string
	// Static credentials; when AccessKeyID is set and no Profile is, the
	// shared config files and environment are not read at all, so a
	// learner's own AWS setup cannot change what the sandbox sees.
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Load resolves the AWS configuration. It fails with a plain-language
// *Error when no region is set or the profile cannot be loaded.
func Load(ctx context.Context, c Config) (aws.Config, error) {
	const op = "load AWS configuration"
	if c.AccessKeyID != "" && c.Profile == "" {
		if c.Region == "" {
			return aws.Config{}, &Error{Op: op, What: whatNoRegion, Fix: fixNoRegion}
		}
		creds := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		return aws.Config{Region: c.Region, Credentials: aws.NewCredentialsCache(creds)}, nil
	}
	var opts []func(*config.LoadOptions) error
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.AccessKeyID != "" {
		creds := credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, Explain(op, err)
	}
	if cfg.Region == "" {
		return aws.Config{}, &Error{Op: op, What: whatNoRegion, Fix: fixNoRegion}
	}
	return cfg, nil
}

// SecretsManager builds a client from cfg; a non-empty endpointURL
// replaces the service endpoint.
func SecretsManager(cfg aws.Config, endpointURL string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
		}
	})
}

// New is Load then SecretsManager with c.EndpointURL.
func New(ctx context.Context, c Config) (*secretsmanager.Client, error) {
	cfg, err := Load(ctx, c)
	if err != nil {
		return nil, err
	}
	return SecretsManager(cfg, c.EndpointURL), nil
}
