// Package lab is the troubleshooting lab: scenarios that break the sandbox the way real
// set-ups break (the rotation function's network, role and resource policy, the secret's
// shape, the database, the bastion), each with the AWS troubleshooting heading it matches and
// the hop where the doctor must find it, and the repair. A scenario is one small file that
// registers itself; the lab finds them all.
//
// A break changes the world, never a bookmark: the sandbox's account set-up, its secrets
// through the endpoint, its database through the bastion, the bastion's own files. A
// sandbox running on the same state sees it at once; one started later sees it at start.
package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"rotation-tutor/dbclient"
	"rotation-tutor/internal/atomicfile"
	"rotation-tutor/rotation"
	"rotation-tutor/sandbox"
	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/steps"
)

// Scenario is one way a real set-up breaks.
type Scenario struct {
	Name string
	// What breaks, in a few words.
	What string
	// Heading is the section of AWS's "Troubleshoot rotation" page it matches.
	Heading string
	// Hop and Check are where the doctor must find it: its first failure.
	Hop, Check string
	// Order places it in the list (the table order).
	Order int
	// GMSOnly says it needs the embedded database (its password rules).
	GMSOnly bool
	Break   func(ctx context.Context, w *World) error
	Fix     func(ctx context.Context, w *World) error
}

// Where is the hop and check, as the list shows them.
func (s Scenario) Where() string { return s.Hop + " → " + s.Check }

var registry = map[string]Scenario{}

// register adds a scenario; each scenario's file calls it once.
func register(s Scenario) {
	if _, dup := registry[s.Name]; dup {
		panic("lab: two scenarios named " + s.Name)
	}
	registry[s.Name] = s
}

// All lists the scenarios in order.
func All() []Scenario {
	out := make([]Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Scenario) int { return a.Order - b.Order })
	return out
}

// Find returns the scenario called name.
func Find(name string) (Scenario, error) {
	s, ok := registry[name]
	if !ok {
		return Scenario{}, fmt.Errorf("no scenario is called %q (rotation-tutor lab list shows them)", name)
	}
	return s, nil
}

// World is a running sandbox, as a scenario acts on it: its facts, its state directory, and a
// Secrets Manager client signed as the learner.
type World struct {
	Dir        string // the sandbox's state directory
	Info       sandbox.Info
	Secrets    *sm.Client
	SecretName string // the app secret
	close      func()
}

// NewWorld is the world of the sandbox whose facts are in, on dir.
func NewWorld(dir string, in sandbox.Info, secretName string) *World {
	if secretName == "" {
		secretName = steps.DefaultSecretName
	}
	client, closeIdle := lambda.NewSecretsClient(in.Region, in.SecretsManagerEndpoint, in.AccessKey())
	return &World{Dir: dir, Info: in, Secrets: client, SecretName: secretName, close: closeIdle}
}

// Close releases the world's connections.
func (w *World) Close() {
	if w.close != nil {
		w.close()
	}
}

// Account changes the sandbox's set-up.
func (w *World) Account(change func(a *account.Account) error) error {
	return account.Edit(sandbox.AccountFile(w.Dir), change)
}

// Functions are the tutorial's two functions' names.
var Functions = []string{lambda.AlternatingName, lambda.SingleUserName}

// MasterARN is the admin secret the app secret names (masterarn), else the sandbox's
// RDS-managed one.
func (w *World) MasterARN(ctx context.Context) string {
	if cur, err := w.Current(ctx); err == nil && cur.MasterARN != "" {
		return cur.MasterARN
	}
	return w.Info.Database.AdminSecretARN
}

// Admin opens a session, through the bastion, as the admin of the database the app secret
// names, with the password in its admin secret (masterarn); before there is an app secret, of
// the sandbox's own instance. close ends it and the tunnel.
func (w *World) Admin(ctx context.Context) (db *sql.DB, close func(), err error) {
	cur, err := w.Current(ctx)
	if err != nil {
		cur = rotation.NewSecret(w.Info.Database.Host, w.Info.Database.Port, w.Info.Database.Name, "", "", w.Info.Database.AdminSecretARN)
	}
	out, err := w.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(w.MasterARN(ctx))})
	if err != nil {
		return nil, nil, fmt.Errorf("read the admin secret: %w", err)
	}
	admin, err := rotation.ReadSecret(aws.ToString(out.SecretString))
	if err != nil {
		return nil, nil, err
	}
	tun, err := dbclient.OpenTunnel(ctx, dbclient.SSHConfig{
		Addr: net.JoinHostPort(w.Info.Bastion.Host, strconv.Itoa(w.Info.Bastion.Port)), User: w.Info.Bastion.User,
		KeyFile: w.Info.Bastion.PrivateKeyFile, KnownHostsFile: w.Info.Bastion.KnownHostsFile,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reach the database through the bastion: %w", err)
	}
	db, err = dbclient.Open(ctx, tun.DialContext, dbclient.Target{Host: cur.Host, Port: cur.Port,
		User: admin.Username, Password: admin.Password, Database: cur.DBName})
	if err != nil {
		tun.Close()
		return nil, nil, fmt.Errorf("log in as the admin: %w", err)
	}
	return db, func() { db.Close(); tun.Close() }, nil
}

// Current is the app secret's AWSCURRENT value.
func (w *World) Current(ctx context.Context) (rotation.Secret, error) {
	out, err := w.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(w.SecretName)})
	if err != nil {
		return rotation.Secret{}, fmt.Errorf("read %s: %w (the lab needs the walkthrough's secret: run the walkthrough to step 7 first)", w.SecretName, err)
	}
	return rotation.ReadSecret(aws.ToString(out.SecretString))
}

// PutCurrent stores value as the app secret's new AWSCURRENT, and changes nothing else:
// PutSecretValue moves only AWSCURRENT, so the AWSPENDING a finished rotation leaves on the
// current version (AWS's MySQL template leaves it) would stay on the old one and stop the
// next rotation, a second fault; it is taken off that version, as the doctor would have it.
func (w *World) PutCurrent(ctx context.Context, value map[string]any) error {
	b, err := json.Marshal(value)
	if err != nil {
		return err
	}
	d, err := w.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(w.SecretName)})
	if err != nil {
		return fmt.Errorf("read %s: %w", w.SecretName, err)
	}
	pendingOnCurrent := ""
	for id, stages := range d.VersionIdsToStages {
		if slices.Contains(stages, rotation.StageCurrent) && slices.Contains(stages, rotation.StagePending) {
			pendingOnCurrent = id
		}
	}
	if _, err = w.Secrets.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: aws.String(w.SecretName), SecretString: aws.String(string(b))}); err != nil {
		return err
	}
	if pendingOnCurrent == "" {
		return nil
	}
	_, err = w.Secrets.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: aws.String(w.SecretName),
		VersionStage: aws.String(rotation.StagePending), RemoveFromVersionId: aws.String(pendingOnCurrent)})
	return err
}

// raw is the app secret's AWSCURRENT as a map, every key kept.
func (w *World) raw(ctx context.Context) (map[string]any, error) {
	out, err := w.Secrets.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(w.SecretName)})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", w.SecretName, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &m); err != nil {
		return nil, errors.New("the app secret is not a JSON object")
	}
	return m, nil
}

// Broken records which scenarios the lab has broken on a state directory and not fixed: the
// troubleshooting screen keeps its choice secret until the doctor finds it, and `lab check`
// checks them when no name is given.
type Broken struct {
	Names []string `json:"broken"`
}

func brokenFile(dir string) string { return filepath.Join(dir, "lab.json") }

// LoadBroken reads what is broken on dir.
func LoadBroken(dir string) Broken {
	var b Broken
	if data, err := os.ReadFile(brokenFile(dir)); err == nil {
		_ = json.Unmarshal(data, &b) // a damaged record is an empty one: it is a bookmark, not the world
	}
	return b
}

func saveBroken(dir string, b Broken) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return atomicfile.Write(brokenFile(dir), data)
}

// Break breaks the world as the scenario does, and records it.
func Break(ctx context.Context, w *World, s Scenario) error {
	if s.GMSOnly && w.Info.Database.Engine != "gms" {
		return fmt.Errorf("%s needs the embedded database (--db gms): the sandbox's password rules live there", s.Name)
	}
	if err := s.Break(ctx, w); err != nil {
		return fmt.Errorf("break %s: %w", s.Name, err)
	}
	b := LoadBroken(w.Dir)
	if !slices.Contains(b.Names, s.Name) {
		b.Names = append(b.Names, s.Name)
	}
	return saveBroken(w.Dir, b)
}

// Fix repairs what the scenario broke (whatever the learner did meanwhile) and forgets it.
func Fix(ctx context.Context, w *World, s Scenario) error {
	if err := s.Fix(ctx, w); err != nil {
		return fmt.Errorf("fix %s: %w", s.Name, err)
	}
	b := LoadBroken(w.Dir)
	b.Names = slices.DeleteFunc(b.Names, func(n string) bool { return n == s.Name })
	return saveBroken(w.Dir, b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// classicMaster is the older tutorial's master secret, which the learner stored under the
// tutorial's name for it.
func (w *World) classicMaster(ctx context.Context) string {
	out, err := w.Secrets.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(steps.ClassicMasterSecret)})
	if err != nil {
		return w.Info.Database.AdminSecretARN
	}
	return aws.ToString(out.ARN)
}
