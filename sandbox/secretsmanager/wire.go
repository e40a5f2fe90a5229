package secretsmanager

import (
	"strconv"
	"time"
)

// epoch is a timestamp on the wire: a JSON number of seconds since the
// epoch, with milliseconds, as AWS JSON 1.1 sends them.
type epoch time.Time

func (e epoch) IsZero() bool { return time.Time(e).IsZero() }

func (e epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// Request and response shapes, with AWS's member names. Optional members
// are pointers so "absent" differs from "zero".

type tagJSON struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type createSecretInput struct {
	Name                        *string
	ClientRequestToken          *string
	Description                 *string
	KmsKeyId                    *string
	SecretString                *string
	SecretBinary                []byte
	Tags                        []tagJSON
	Type                        *string
	AddReplicaRegions           []replicaRegionJSON
	ForceOverwriteReplicaSecret *bool
}

type createSecretOutput struct {
	ARN               string                  `json:"ARN"`
	Name              string                  `json:"Name"`
	VersionId         string                  `json:"VersionId,omitempty"`
	ReplicationStatus []replicationStatusJSON `json:"ReplicationStatus,omitempty"`
}

type arnNameVersion struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

type secretIDInput struct {
	SecretId *string
}

type getSecretValueInput struct {
	SecretId     *string
	VersionId    *string
	VersionStage *string
}

type getSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	SecretString  *string  `json:"SecretString,omitempty"`
	SecretBinary  []byte   `json:"SecretBinary,omitempty"`
	VersionStages []string `json:"VersionStages"`
	CreatedDate   epoch    `json:"CreatedDate,omitzero"`
}

type putSecretValueInput struct {
	SecretId           *string
	ClientRequestToken *string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
	RotationToken      *string
}

type putSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

type updateSecretInput struct {
	SecretId           *string
	ClientRequestToken *string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
	Type               *string
}

type updateStageInput struct {
	SecretId            *string
	VersionStage        *string
	RemoveFromVersionId *string
	MoveToVersionId     *string
}

type arnName struct {
	ARN  string `json:"ARN"`
	Name string `json:"Name"`
}

// secretMeta is DescribeSecret's answer and (with SecretVersionsToStages
// instead of VersionIdsToStages) a ListSecrets entry.
type secretMeta struct {
	ARN                    string              `json:"ARN"`
	Name                   string              `json:"Name"`
	Description            *string             `json:"Description,omitempty"`
	KmsKeyId               *string             `json:"KmsKeyId,omitempty"`
	RotationEnabled        *bool               `json:"RotationEnabled,omitempty"`
	RotationLambdaARN      string              `json:"RotationLambdaARN,omitempty"`
	RotationRules          *rotationRules      `json:"RotationRules,omitempty"`
	LastRotatedDate        epoch               `json:"LastRotatedDate,omitzero"`
	LastChangedDate        epoch               `json:"LastChangedDate,omitzero"`
	LastAccessedDate       epoch               `json:"LastAccessedDate,omitzero"`
	DeletedDate            epoch               `json:"DeletedDate,omitzero"`
	NextRotationDate       epoch               `json:"NextRotationDate,omitzero"`
	Tags                   []tag               `json:"Tags,omitempty"`
	VersionIdsToStages     map[string][]string `json:"VersionIdsToStages,omitempty"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	CreatedDate            epoch               `json:"CreatedDate,omitzero"`
	PrimaryRegion          string              `json:"PrimaryRegion,omitempty"`
	// ReplicationStatus is DescribeSecret's only.
	ReplicationStatus []replicationStatusJSON `json:"ReplicationStatus,omitempty"`
}

type filterJSON struct {
	Key    *string
	Values []string
}

type listSecretsInput struct {
	Filters                []filterJSON
	IncludePlannedDeletion *bool
	MaxResults             *int64
	NextToken              *string
	SortBy                 *string
	SortOrder              *string
}

type listSecretsOutput struct {
	SecretList []secretMeta `json:"SecretList"`
	NextToken  string       `json:"NextToken,omitempty"`
}

type listVersionsInput struct {
	SecretId          *string
	MaxResults        *int64
	NextToken         *string
	IncludeDeprecated *bool
}

type versionEntry struct {
	VersionId        string   `json:"VersionId"`
	VersionStages    []string `json:"VersionStages,omitempty"`
	LastAccessedDate epoch    `json:"LastAccessedDate,omitzero"`
	CreatedDate      epoch    `json:"CreatedDate,omitzero"`
	KmsKeyIds        []string `json:"KmsKeyIds"`
}

type listVersionsOutput struct {
	ARN       string         `json:"ARN"`
	Name      string         `json:"Name"`
	Versions  []versionEntry `json:"Versions"`
	NextToken string         `json:"NextToken,omitempty"`
}

type rotateSecretInput struct {
	SecretId           *string
	ClientRequestToken *string
	RotationLambdaARN  *string
	RotationRules      *rotationRules
	RotateImmediately  *bool
}

type deleteSecretInput struct {
	SecretId                   *string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery *bool
}

// deleteSecretOutput omits what it does not know: the ARN of a secret forced
// away by name that was not there (the model has ARN at least 20 long).
type deleteSecretOutput struct {
	ARN          string `json:"ARN,omitempty"`
	Name         string `json:"Name,omitempty"`
	DeletionDate epoch  `json:"DeletionDate,omitzero"`
}

type randomPasswordInput struct {
	PasswordLength          *int64
	ExcludeCharacters       *string
	ExcludeNumbers          *bool
	ExcludePunctuation      *bool
	ExcludeUppercase        *bool
	ExcludeLowercase        *bool
	IncludeSpace            *bool
	RequireEachIncludedType *bool
}

type randomPasswordOutput struct {
	RandomPassword string `json:"RandomPassword"`
}

type tagResourceInput struct {
	SecretId *string
	Tags     []tagJSON
}

type untagResourceInput struct {
	SecretId *string
	TagKeys  []string
}

type empty struct{}
