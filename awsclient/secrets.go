package awsclient

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// API is the part of the Secrets Manager client the helpers use;
// *secretsmanager.Client satisfies it, and tests can fake it.
type API interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	ListSecretVersionIds(context.Context, *secretsmanager.ListSecretVersionIdsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretVersionIdsOutput, error)
	CreateSecret(context.Context, *secretsmanager.CreateSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// Staging labels.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// DBSecret is the JSON value AWS's MySQL rotation functions read.
// Its String and GoString never show the password.
type DBSecret struct {
	Engine    string `json:"engine"`
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	DBName    string `json:"dbname,omitempty"`
	MasterARN string `json:"masterarn,omitempty"`
}

// DefaultPort is the port the templates assume when the secret has none.
const DefaultPort = 3306

func (d DBSecret) String() string {
	return fmt.Sprintf("%s://%s@%s:%d/%s (password %s)", d.Engine, d.Username, d.Host, d.Port, d.DBName, Mask(d.Password))
}

func (d DBSecret) GoString() string { return "awsclient.DBSecret{" + d.String() + "}" }

// JSON is the secret's value as stored in Secrets Manager.
func (d DBSecret) JSON() string {
	b, _ := json.Marshal(d) // strings and an int: cannot fail
	return string(b)
}

// Mask hides a secret value for screens and logs; it says only whether
// there is one.
func Mask(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "••••••••"
}

// ParseDBSecret reads a secret value; port may be a number or a string, as
// both occur in the wild, and defaults to 3306.
func ParseDBSecret(value string) (DBSecret, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return DBSecret{}, &Error{Op: "read secret", What: whatNotJSON, Fix: fixNotJSON}
	}
	str := func(k string) string {
		switch v := raw[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	d := DBSecret{
		Engine: str("engine"), Host: str("host"), Username: str("username"), Password: str("password"),
		DBName: str("dbname"), MasterARN: str("masterarn"), Port: DefaultPort,
	}
	if p := str("port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return DBSecret{}, &Error{Op: "read secret", What: fmt.Sprintf(whatMissingKey, "port"), Fix: fixMissingKey}
		}
		d.Port = n
	}
	return d, nil
}

// Check reports what AWS's MySQL rotation function would refuse in this
// secret: a missing key or another engine. alternating adds masterarn.
func (d DBSecret) Check(alternating bool) error {
	const op = "check secret"
	if d.Engine != "mysql" && d.Engine != "aurora-mysql" {
		if d.Engine == "" {
			return &Error{Op: op, What: fmt.Sprintf(whatMissingKey, "engine"), Fix: fixMissingKey}
		}
		return &Error{Op: op, What: fmt.Sprintf(whatBadEngine, d.Engine), Fix: fixBadEngine}
	}
	for _, kv := range [][2]string{{"host", d.Host}, {"username", d.Username}, {"password", d.Password}} {
		if kv[1] == "" {
			return &Error{Op: op, What: fmt.Sprintf(whatMissingKey, kv[0]), Fix: fixMissingKey}
		}
	}
	if alternating && d.MasterARN == "" {
		return &Error{Op: op, What: fmt.Sprintf(whatMissingKey, "masterarn"), Fix: fixMissingKey}
	}
	return nil
}

// SecretValue is one version of a secret as read. Value is the secret
// string itself: callers show it only through Mask.
type SecretValue struct {
	ARN, Name, VersionID string
	Stages               []string
	Created              time.Time
	Value                string
}

func (v SecretValue) String() string {
	return fmt.Sprintf("%s version %s %v (value %s)", v.Name, v.VersionID, v.Stages, Mask(v.Value))
}

func (v SecretValue) GoString() string { return "awsclient.SecretValue{" + v.String() + "}" }

// Get reads one version of a secret: by stage ("" = AWSCURRENT) or, if
// versionID is set, by id.
func Get(ctx context.Context, api API, secretID, stage, versionID string) (SecretValue, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := api.GetSecretValue(ctx, in)
	if err != nil {
		return SecretValue{}, Explain("GetSecretValue", err)
	}
	if out.SecretString == nil {
		return SecretValue{}, &Error{Op: "GetSecretValue", What: whatBinary, Fix: fixBinary}
	}
	return SecretValue{
		ARN: aws.ToString(out.ARN), Name: aws.ToString(out.Name), VersionID: aws.ToString(out.VersionId),
		Stages: out.VersionStages, Created: aws.ToTime(out.CreatedDate), Value: aws.ToString(out.SecretString),
	}, nil
}

// GetJSON reads a secret whose value is a JSON object.
func GetJSON(ctx context.Context, api API, secretID, stage string) (map[string]any, SecretValue, error) {
	v, err := Get(ctx, api, secretID, stage, "")
	if err != nil {
		return nil, SecretValue{}, err
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v.Value), &m); err != nil || m == nil {
		return nil, v, &Error{Op: "GetSecretValue", What: whatNotJSON, Fix: fixNotJSON}
	}
	return m, v, nil
}

// GetDBSecret reads a secret holding database credentials.
func GetDBSecret(ctx context.Context, api API, secretID, stage string) (DBSecret, SecretValue, error) {
	v, err := Get(ctx, api, secretID, stage, "")
	if err != nil {
		return DBSecret{}, SecretValue{}, err
	}
	d, err := ParseDBSecret(v.Value)
	return d, v, err
}

// CreateDBSecret stores new database credentials; the first version gets
// AWSCURRENT. It returns the ARN and the version id.
func CreateDBSecret(ctx context.Context, api API, name, description string, d DBSecret, tags map[string]string) (arn, versionID string, err error) {
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(d.JSON())}
	if description != "" {
		in.Description = aws.String(description)
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	out, err := api.CreateSecret(ctx, in)
	if err != nil {
		return "", "", Explain("CreateSecret", err)
	}
	return aws.ToString(out.ARN), aws.ToString(out.VersionId), nil
}

// PutDBSecret stores a new version; token "" lets the SDK make one, and
// no stages means AWSCURRENT.
func PutDBSecret(ctx context.Context, api API, secretID, token string, d DBSecret, stages ...string) (versionID string, err error) {
	in := &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretID), SecretString: aws.String(d.JSON()), VersionStages: stages}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	out, err := api.PutSecretValue(ctx, in)
	if err != nil {
		return "", Explain("PutSecretValue", err)
	}
	return aws.ToString(out.VersionId), nil
}

// Version is one version of a secret and its staging labels.
type Version struct {
	ID           string
	Stages       []string
	Created      time.Time
	LastAccessed time.Time
}

// Has reports whether the version carries stage.
func (v Version) Has(stage string) bool {
	for _, s := range v.Stages {
		if s == stage {
			return true
		}
	}
	return false
}

// Versions lists a secret's versions, newest first, across all pages.
// Deprecated versions (no label) are included only when asked.
func Versions(ctx context.Context, api API, secretID string, includeDeprecated bool) ([]Version, error) {
	var out []Version
	p := secretsmanager.NewListSecretVersionIdsPaginator(api, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String(secretID), IncludeDeprecated: aws.Bool(includeDeprecated),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Explain("ListSecretVersionIds", err)
		}
		for _, v := range page.Versions {
			out = append(out, Version{ID: aws.ToString(v.VersionId), Stages: v.VersionStages,
				Created: aws.ToTime(v.CreatedDate), LastAccessed: aws.ToTime(v.LastAccessedDate)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// WithStage returns the id of the version carrying stage, or "".
func WithStage(vs []Version, stage string) string {
	for _, v := range vs {
		if v.Has(stage) {
			return v.ID
		}
	}
	return ""
}

// RotationIncomplete reports whether AWSPENDING sits on another version
// than AWSCURRENT: the state in which RotateSecret refuses to start.
func RotationIncomplete(vs []Version) bool {
	p := WithStage(vs, StagePending)
	return p != "" && p != WithStage(vs, StageCurrent)
}
