package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"rotation-tutor/dbclient"
	"rotation-tutor/sandbox/database"
	"rotation-tutor/sandbox/lambda"
	"rotation-tutor/sandbox/rds"
	"rotation-tutor/sandbox/secretsmanager"
)

// The older tutorial's instance, as the tutorial before it left it: database MyTestDatabase
// on MyTestDatabaseInstance, master user adminuser, whose password the learner chose when
// creating it (ClassicMasterPassword) and keeps in a secret of their own. RDS manages no
// secret for it.
const (
	ClassicInstanceID = "MyTestDatabaseInstance"
	ClassicDBName     = "MyTestDatabase"
	ClassicMasterUser = "adminuser"
	classicDataDir    = "classicdb" // short: a mariadbd's socket goes under it, and socket paths are short
)

// dbInstance is one of the sandbox's RDS instances: what RDS says about it, the database
// behind it, and whether it was deleted. Its database starts with the sandbox, or, for the
// older tutorial's, beside it in the background (startBehind): a real mariadbd takes
// seconds to start, and nothing should wait for it before it is used. A deleted instance
// stays gone while the sandbox runs; the next start makes it again, empty, as the
// tutorials' prerequisites would.
type dbInstance struct {
	desc     rds.Instance
	opts     database.Options // StateDir is the instance's own data directory
	stateDir string           // the sandbox's, whose manifest lists the instance's data
	dataFile string           // the instance's data file, as the manifest names it
	// manifestMu is shared by the sandbox's instances: each may change the manifest
	// (a start in the background lists its file, a deletion forgets it) while another does.
	manifestMu *sync.Mutex
	// onDelete is what RDS deletes with the instance besides its data: the secret it
	// manages for it.
	onDelete func(ctx context.Context) error
	logf     func(format string, args ...any) // hears a start in the background failing; nil is silent

	mu       sync.Mutex
	db       *database.Server
	deleted  bool
	starting chan struct{}      // closed when the start in the background ends; nil when none runs
	startErr error              // why the last start failed
	stop     context.CancelFunc // ends the start in the background
}

// newInstance describes an instance whose data lives in dir (under stateDir) and which
// internal host names.
func newInstance(stateDir, dir, host, region string, opts database.Options, id, master string, manifestMu *sync.Mutex) *dbInstance {
	opts.StateDir = filepath.Join(stateDir, dir)
	opts.AdminUser = master
	return &dbInstance{
		desc: rds.Instance{Identifier: id, Address: host, Port: dbPort, Region: region, AccountID: AccountID,
			MasterUsername: master},
		opts: opts, stateDir: stateDir, dataFile: filepath.Join(dir, database.UsersFile), manifestMu: manifestMu,
	}
}

// newClassicInstance is the older tutorial's instance of the sandbox in o.StateDir, with
// its own name in the same private zone as the current tutorial's.
func newClassicInstance(o Options, id identity, manifestMu *sync.Mutex) *dbInstance {
	host := fmt.Sprintf("%s.%s.%s.rds.sandbox.internal", strings.ToLower(ClassicInstanceID), id.InstanceSuffix, o.Region)
	opts := database.Options{Engine: o.Engine, DBName: ClassicDBName, AdminPassword: derivePassword(id.stateKey, classicPasswordPurpose)}
	return newInstance(o.StateDir, classicDataDir, host, o.Region, opts, ClassicInstanceID, ClassicMasterUser, manifestMu)
}

// addr is the instance's internal host:port, the key of its route.
func (i *dbInstance) addr() string { return net.JoinHostPort(i.desc.Address, strconv.Itoa(dbPort)) }

// rdsInstance is what the RDS endpoint answers for it, deletable through it.
func (i *dbInstance) rdsInstance() rds.Instance {
	d := i.desc
	d.Delete, d.Status = i.delete, i.status
	return d
}

// status is the instance's status as RDS words it: starting while its database starts in
// the background, failed if that start failed, available otherwise.
func (i *dbInstance) status() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.starting != nil {
		select {
		case <-i.starting:
		default:
			return "starting"
		}
	}
	if i.db == nil && i.startErr != nil {
		return "failed"
	}
	return "available"
}

// start starts the database and returns once it accepts logins.
func (i *dbInstance) start(ctx context.Context) error {
	db, err := database.Start(ctx, i.opts)
	if err != nil {
		return fmt.Errorf("%s: %w", i.desc.Identifier, err)
	}
	i.mu.Lock()
	i.db = db
	i.mu.Unlock()
	return nil
}

// startBehind starts the database in the background, on a goroutine the instance owns
// (close and delete end it and wait for it). Its data file then exists, and the manifest
// lists it from then on.
func (i *dbInstance) startBehind() {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	i.mu.Lock()
	i.starting, i.stop = done, stop
	i.mu.Unlock()
	go func() {
		defer close(done)
		db, err := database.Start(ctx, i.opts)
		i.mu.Lock()
		defer i.mu.Unlock()
		switch {
		case err != nil:
			i.startErr = fmt.Errorf("the DB instance %s did not start: %w", i.desc.Identifier, err)
			if i.logf != nil {
				i.logf("%v", i.startErr)
			}
		case i.deleted || ctx.Err() != nil:
			_ = db.Close()
		default:
			i.db = db
			i.manifestMu.Lock()
			defer i.manifestMu.Unlock()
			if err := saveManifest(i.stateDir); err != nil {
				i.startErr = err
			}
		}
	}()
}

// endStart stops a start in the background and waits for it.
func (i *dbInstance) endStart() {
	i.mu.Lock()
	stop, done := i.stop, i.starting
	i.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// Dial reaches the instance's database, as something inside the VPC would (its route),
// once it has started.
func (i *dbInstance) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	i.mu.Lock()
	starting := i.starting
	i.mu.Unlock()
	if starting != nil {
		select {
		case <-starting:
		case <-ctx.Done():
			return nil, fmt.Errorf("dial %s %s: the DB instance %s is still starting: %w", network, addr, i.desc.Identifier, ctx.Err())
		}
	}
	i.mu.Lock()
	db, deleted, err := i.db, i.deleted, i.startErr
	i.mu.Unlock()
	switch {
	case deleted:
		return nil, fmt.Errorf("dial %s %s: the DB instance %s was deleted", network, addr, i.desc.Identifier)
	case db == nil && err != nil:
		return nil, fmt.Errorf("dial %s %s: %w", network, addr, err)
	case db == nil:
		return nil, fmt.Errorf("dial %s %s: the DB instance %s is not running", network, addr, i.desc.Identifier)
	}
	return db.Dial(ctx, network, addr)
}

// delete is DeleteDBInstance in the world: what RDS deletes with the instance, then its
// database (every connection to it drops) and its data, which the manifest then no longer
// expects.
func (i *dbInstance) delete(ctx context.Context) error {
	if i.onDelete != nil {
		if err := i.onDelete(ctx); err != nil {
			return err
		}
	}
	i.endStart()
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.deleted {
		return nil
	}
	i.deleted = true
	var errs []error
	if i.db != nil {
		errs = append(errs, i.db.Close())
		i.db = nil
	}
	errs = append(errs, os.RemoveAll(i.opts.StateDir))
	i.manifestMu.Lock()
	errs = append(errs, unlistFromManifest(i.stateDir, i.dataFile))
	i.manifestMu.Unlock()
	return errors.Join(errs...)
}

// Deleted says whether the instance was deleted since the sandbox started.
func (i *dbInstance) Deleted() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.deleted
}

func (i *dbInstance) close() error {
	i.endStart()
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.db == nil {
		return nil
	}
	err := i.db.Close()
	i.db = nil
	return err
}

// deleteManagedSecret is what RDS does to the admin secret it manages for an instance it
// deletes: deletes it at once, with no recovery window.
func deleteManagedSecret(arn, region, endpoint string, key secretsmanager.AccessKey) func(context.Context) error {
	return func(ctx context.Context) error {
		client, closeIdle := lambda.NewSecretsClient(region, endpoint, key)
		defer closeIdle()
		_, err := client.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)})
		var nf *smtypes.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete the admin secret RDS manages for it: %w", err)
		}
		return nil
	}
}

// routes is the VPC's private network: each instance's internal name, and how to reach it.
func routes(instances ...*dbInstance) map[string]dbclient.DialFunc {
	out := map[string]dbclient.DialFunc{}
	for _, i := range instances {
		out[i.addr()] = i.Dial
	}
	return out
}
