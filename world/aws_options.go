package world

import "golang.org/x/crypto/ssh"

// AWSOptions describe a real account's environment. What is empty is
// discovered (the database and its admin secret) or defaulted.
type AWSOptions struct {
	Profile, Region string
	EndpointURL     string // Secrets Manager and RDS endpoint (VPC endpoints, tests); no STS there
	Bastion         string // user@host[:port]
	KeyFile         string // empty: ssh-agent
	KnownHostsFile  string // empty: ~/.ssh/known_hosts
	DBHost          string // empty: the instance's endpoint, from DescribeDBInstances
	DBPort          int
	DBInstance      string // empty: the region's only MySQL instance
	DBCABundle      string // RDS's CA bundle (PEM) that verifies the database's certificate; empty: unverified
	AdminSecretARN  string // empty: the instance's RDS-managed secret (MasterUserSecret)
	SecretName      string
	// RotationLambdaARN is the rotation function; empty means the app's
	// local rotator runs the four steps through the tunnel.
	RotationLambdaARN string
	// RememberPath is where Start saves these settings (never secrets) once
	// they have worked, so the next run needs no flags; "" saves nothing.
	RememberPath string
	// OnUnknownHost asks whether to trust a bastion key that known_hosts
	// lacks (trust on first use); nil refuses it.
	OnUnknownHost func(host string, key ssh.PublicKey) bool
}
