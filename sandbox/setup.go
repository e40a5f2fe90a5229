package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"rotation-tutor/sandbox/account"
	"rotation-tutor/sandbox/ec2"
	"rotation-tutor/sandbox/iam"
	"rotation-tutor/sandbox/lambda"
)

// logsFile keeps the functions' CloudWatch log events. Like account.json, it is not data a
// learner made: losing it loses history, not the sandbox's identity, so the manifest does
// not list it.
const logsFile = "logs.jsonl"

// classicMasterSecret is the name the older tutorial has the learner give the master secret of
// its instance: the function deployed for it was given that secret to read.
const classicMasterSecret = ClassicDBName + "MasterSecret"

// AccountFile is the account set-up's file in a sandbox's state directory: what the lab edits.
func AccountFile(stateDir string) string { return filepath.Join(stateDir, account.FileName) }

// DefaultAccount is the set-up a sandbox starts with, in which rotation works.
func DefaultAccount(region, endpoint, adminARN string) account.Account {
	return account.Default(accountSetup(region, endpoint, adminARN))
}

func accountSetup(region, endpoint, adminARN string) account.Setup {
	return account.Setup{
		Region: region, AccountID: AccountID, EndpointURL: endpoint, RoleName: lambda.RoleName,
		AdminSecretARN: adminARN, FunctionNames: []string{lambda.AlternatingName, lambda.SingleUserName},
		MasterSecretARNs: []string{"arn:aws:secretsmanager:" + region + ":" + AccountID + ":secret:" + classicMasterSecret + "-??????"},
		FunctionARN:      func(name string) string { return lambda.FunctionARN(region, name) },
		Description: func(name string) string {
			if name == lambda.SingleUserName {
				return "Rotates a MySQL user's own password (AWS's single-user template)"
			}
			return "Rotates a MySQL secret with alternating users (AWS's multi-user template)"
		},
	}
}

// openAccount opens the set-up and serves the APIs that read and change it: Lambda and
// CloudWatch Logs, on the endpoint beside Secrets Manager and RDS.
func (s *Sandbox) openAccount(dir, region, endpoint, adminARN, learnerKey string) error {
	def := DefaultAccount(region, endpoint, adminARN)
	st, err := account.Open(AccountFile(dir), def)
	if err != nil {
		return fmt.Errorf("sandbox: %w (start over with --reset)", err)
	}
	// A sandbox whose endpoint moved (its port was taken) points its functions at the new one.
	if err := st.Update(func(a *account.Account) error {
		for _, f := range a.Functions {
			if v, ok := f.Environment["SECRETS_MANAGER_ENDPOINT"]; ok && v != endpoint && strings.HasPrefix(v, "http://127.0.0.1:") {
				f.Environment["SECRETS_MANAGER_ENDPOINT"] = endpoint
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.acct = st
	learner := func(keyID string) bool { return keyID == learnerKey }
	s.serveMu.Lock()
	s.services = map[string]http.Handler{
		"lambda": s.lambdas.API(lambda.APIOptions{Account: st, AccountID: AccountID, SecretKey: s.sm.SecretKey, MayManage: learner}),
		"logs":   s.logs.Handler(region, AccountID, s.sm.SecretKey),
		"ec2":    ec2.Handler(st, AccountID, s.sm.SecretKey),
		"iam":    iam.Handler(st, s.sm.SecretKey),
	}
	s.serveMu.Unlock()
	return nil
}

// rolePolicies gives Secrets Manager the permission policies of a role's session; other
// principals (the learner, an administrator) have none set.
func (s *Sandbox) rolePolicies(principal string) ([]string, bool) {
	const prefix = "arn:aws:sts::" + AccountID + ":assumed-role/"
	rest, ok := strings.CutPrefix(principal, prefix)
	if !ok || s.acct == nil {
		return nil, false
	}
	role, _, _ := strings.Cut(rest, "/")
	var docs []string
	s.acct.Read(func(a *account.Account) { docs = a.RolePolicies(role) })
	return docs, true
}

// signedFor is the service a request's SigV4 credential scope names (lambda, logs, …), or "".
func signedFor(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return ""
	}
	scope := auth[i+len("Credential="):]
	if j := strings.IndexAny(scope, ", "); j >= 0 {
		scope = scope[:j]
	}
	parts := strings.Split(scope, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// Account is the sandbox's set-up, as it is now.
func (s *Sandbox) Account() account.Account { return s.acct.Get() }

// bastionPolicy is what the account's set-up says about the bastion's surroundings. The
// bastion asks on every connection and channel (a probe client's login is one of each), so
// it reads the set-up without copying it.
type bastionPolicy struct{ s *Sandbox }

// holds is what check says of the set-up now, or unset without one.
func (p bastionPolicy) holds(check func(a *account.Account) bool, unset bool) bool {
	if p.s.acct == nil {
		return unset
	}
	var ok bool
	p.s.acct.Read(func(a *account.Account) { ok = check(a) })
	return ok
}

func (p bastionPolicy) AdmitsClient(remote net.Addr) bool {
	return p.holds((*account.Account).LearnerReachesBastion, true)
}

func (p bastionPolicy) ForwardingAllowed() bool {
	return p.holds(func(a *account.Account) bool { return a.Bastion.AllowTCPForwarding }, true)
}

func (p bastionPolicy) KeyRevoked(fingerprint string) bool {
	return p.holds(func(a *account.Account) bool { return slices.Contains(a.Bastion.RevokedKeys, fingerprint) }, false)
}

func (p bastionPolicy) Reaches(dest string) bool {
	_, port, _ := net.SplitHostPort(dest)
	n, _ := strconv.Atoi(port)
	return p.holds(func(a *account.Account) bool { return a.BastionReachesDatabase(n) }, true)
}

// rejectedPasswordCharacters is what the database refuses in a password now.
func (s *Sandbox) rejectedPasswordCharacters() string {
	if s.acct == nil {
		return ""
	}
	var rejected string
	s.acct.Read(func(a *account.Account) { rejected = a.Database.RejectedPasswordCharacters })
	return rejected
}

// parameterGroup is the DB parameter group the sandbox's instances share: a custom one, as
// an instance whose parameters were ever changed has, so that `aws rds
// modify-db-parameter-group` changes require_secure_transport in it.
const parameterGroup = InstanceID + "-mysql80"

// requireSecureTransport is require_secure_transport in the instances' parameter group now.
func (s *Sandbox) requireSecureTransport() bool {
	if s.acct == nil {
		return false
	}
	on := false
	s.acct.Read(func(a *account.Account) { on = a.Database.RequireSecureTransport })
	return on
}

// setRequireSecureTransport is ModifyDBParameterGroup's change to it.
func (s *Sandbox) setRequireSecureTransport(on bool) error {
	if s.acct == nil {
		return errors.New("the account set-up is not open yet")
	}
	return s.acct.Update(func(a *account.Account) error {
		a.Database.RequireSecureTransport = on
		return nil
	})
}
