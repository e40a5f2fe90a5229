package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"rotation-tutor/internal/atomicfile"
)

// Remembered is what real-AWS mode keeps between runs so the first screen
// does not ask again. Only names and addresses: never a password, key or
// token (a key file's path, not its content).
type Remembered struct {
	Profile           string `json:"profile,omitempty"`
	Region            string `json:"region,omitempty"`
	EndpointURL       string `json:"endpoint_url,omitempty"`
	Bastion           string `json:"bastion,omitempty"`
	KeyFile           string `json:"key_file,omitempty"`
	KnownHostsFile    string `json:"known_hosts_file,omitempty"`
	DBHost            string `json:"db_host,omitempty"`
	DBPort            int    `json:"db_port,omitempty"`
	DBInstance        string `json:"db_instance,omitempty"`
	AdminSecretARN    string `json:"admin_secret_arn,omitempty"`
	SecretName        string `json:"secret_name,omitempty"`
	RotationLambdaARN string `json:"rotation_lambda_arn,omitempty"`
}

// RememberedPath is where the settings live: the user's config directory,
// rotation-tutor/aws.json.
func RememberedPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory to remember settings: %w", err)
	}
	return filepath.Join(dir, "rotation-tutor", "aws.json"), nil
}

// LoadRemembered reads the remembered settings; none yet is not an error.
func LoadRemembered() (AWSOptions, error) {
	path, err := RememberedPath()
	if err != nil {
		return AWSOptions{}, err
	}
	return LoadRememberedFrom(path)
}

// LoadRememberedFrom reads remembered settings from path.
func LoadRememberedFrom(path string) (AWSOptions, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return AWSOptions{}, nil
	}
	if err != nil {
		return AWSOptions{}, fmt.Errorf("read remembered settings: %w", err)
	}
	var r Remembered
	if err := json.Unmarshal(b, &r); err != nil {
		return AWSOptions{}, fmt.Errorf("read remembered settings %s: %w (delete the file to start over)", path, err)
	}
	return AWSOptions{
		Profile: r.Profile, Region: r.Region, EndpointURL: r.EndpointURL, Bastion: r.Bastion,
		KeyFile: r.KeyFile, KnownHostsFile: r.KnownHostsFile, DBHost: r.DBHost, DBPort: r.DBPort,
		DBInstance: r.DBInstance, AdminSecretARN: r.AdminSecretARN, SecretName: r.SecretName,
		RotationLambdaARN: r.RotationLambdaARN,
	}, nil
}

// Remember stores o's settings for the next run.
func Remember(o AWSOptions) error {
	path, err := RememberedPath()
	if err != nil {
		return err
	}
	return RememberTo(path, o)
}

// RememberTo stores o's settings at path: 0600, written atomically (temp
// file, fsync, rename) so a crash never leaves half a file.
func RememberTo(path string, o AWSOptions) error {
	r := Remembered{
		Profile: o.Profile, Region: o.Region, EndpointURL: o.EndpointURL, Bastion: o.Bastion,
		KeyFile: o.KeyFile, KnownHostsFile: o.KnownHostsFile, DBHost: o.DBHost, DBPort: o.DBPort,
		DBInstance: o.DBInstance, AdminSecretARN: o.AdminSecretARN, SecretName: o.SecretName,
		RotationLambdaARN: o.RotationLambdaARN,
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("remember settings: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return fmt.Errorf("remember settings: %w", err)
	}
	return nil
}

// Merge fills o's empty settings from remembered ones: flags given on this
// run win over what was remembered.
func (o AWSOptions) Merge(remembered AWSOptions) AWSOptions {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	o.Profile = pick(o.Profile, remembered.Profile)
	o.Region = pick(o.Region, remembered.Region)
	o.EndpointURL = pick(o.EndpointURL, remembered.EndpointURL)
	o.Bastion = pick(o.Bastion, remembered.Bastion)
	o.KeyFile = pick(o.KeyFile, remembered.KeyFile)
	o.KnownHostsFile = pick(o.KnownHostsFile, remembered.KnownHostsFile)
	o.DBHost = pick(o.DBHost, remembered.DBHost)
	if o.DBPort == 0 {
		o.DBPort = remembered.DBPort
	}
	o.DBInstance = pick(o.DBInstance, remembered.DBInstance)
	o.AdminSecretARN = pick(o.AdminSecretARN, remembered.AdminSecretARN)
	o.SecretName = pick(o.SecretName, remembered.SecretName)
	o.RotationLambdaARN = pick(o.RotationLambdaARN, remembered.RotationLambdaARN)
	return o
}
