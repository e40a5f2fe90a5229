package world

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"rotation-tutor/internal/atomicfile"
)

// Remembered is what real-AWS mode keeps between runs so the first screen
// does not ask again. Only names and addresses: never a password, key or
// token (a key file's path, not its content). Settings are kept per
// environment, keyed by profile, region and endpoint: what worked in one
// account is never applied to another.
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

// rememberedFile is the file: one entry per environment. An older file
// holding a single object is read as one entry.
type rememberedFile struct {
	Environments []Remembered `json:"environments"`
}

func (r Remembered) sameEnvironment(profile, region, endpoint string) bool {
	return r.Profile == profile && r.Region == region && r.EndpointURL == endpoint
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

func loadRememberedFile(path string) (rememberedFile, error) {
	var f rememberedFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read remembered settings: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Environments == nil {
		var one Remembered
		if err2 := json.Unmarshal(b, &one); err2 != nil {
			return rememberedFile{}, fmt.Errorf("read remembered settings %s: %w (delete the file to start over)", path, err)
		}
		f.Environments = []Remembered{one}
	}
	return f, nil
}

// RememberedFor returns the settings remembered at path for the environment
// of profile, region and endpoint. With region "" (not given, not
// configured), the only environment remembered for that profile and
// endpoint is used, if there is exactly one.
func RememberedFor(path, profile, region, endpoint string) (Remembered, bool, error) {
	f, err := loadRememberedFile(path)
	if err != nil {
		return Remembered{}, false, err
	}
	var match []Remembered
	for _, r := range f.Environments {
		if r.sameEnvironment(profile, region, endpoint) {
			return r, true, nil
		}
		if region == "" && r.Profile == profile && r.EndpointURL == endpoint {
			match = append(match, r)
		}
	}
	if len(match) == 1 {
		return match[0], true, nil
	}
	return Remembered{}, false, nil
}

// RememberTo stores o's settings at path under their environment, replacing
// what that environment had and keeping the others: 0600, written
// atomically (temp file, fsync, rename) so a crash never leaves half a file.
func RememberTo(path string, o AWSOptions) error {
	r := Remembered{
		Profile: o.Profile, Region: o.Region, EndpointURL: o.EndpointURL, Bastion: o.Bastion,
		KeyFile: o.KeyFile, KnownHostsFile: o.KnownHostsFile, DBHost: o.DBHost, DBPort: o.DBPort,
		DBInstance: o.DBInstance, AdminSecretARN: o.AdminSecretARN, SecretName: o.SecretName,
		RotationLambdaARN: o.RotationLambdaARN,
	}
	f, err := loadRememberedFile(path)
	if err != nil {
		f = rememberedFile{} // a damaged file is replaced rather than kept in the way
	}
	kept := []Remembered{r}
	for _, e := range f.Environments {
		if !e.sameEnvironment(r.Profile, r.Region, r.EndpointURL) {
			kept = append(kept, e)
		}
	}
	b, err := json.MarshalIndent(rememberedFile{Environments: kept}, "", "  ")
	if err != nil {
		return fmt.Errorf("remember settings: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n')); err != nil {
		return fmt.Errorf("remember settings: %w", err)
	}
	return nil
}

// fill completes o's empty settings from r and names each one it took,
// for the screen to say which remembered values are in use.
func (o *AWSOptions) fill(r Remembered) (used []string) {
	take := func(name string, dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
			used = append(used, name+" "+v)
		}
	}
	take("region", &o.Region, r.Region)
	take("bastion", &o.Bastion, r.Bastion)
	take("key", &o.KeyFile, r.KeyFile)
	take("known_hosts", &o.KnownHostsFile, r.KnownHostsFile)
	take("database host", &o.DBHost, r.DBHost)
	if o.DBPort == 0 && r.DBPort != 0 {
		o.DBPort = r.DBPort
		used = append(used, "database port "+strconv.Itoa(r.DBPort))
	}
	take("DB instance", &o.DBInstance, r.DBInstance)
	take("admin secret", &o.AdminSecretARN, r.AdminSecretARN)
	take("secret name", &o.SecretName, r.SecretName)
	take("rotation function", &o.RotationLambdaARN, r.RotationLambdaARN)
	return used
}
