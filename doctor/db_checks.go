package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/go-sql-driver/mysql"

	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

func (s *state) dbTarget(d *rotation.Secret) dbclient.Target {
	db := s.t.DBName
	if db == "" && s.app != nil {
		db = s.app.DBName
	}
	// TLS as the secret's ssl key says, verified against the CA bundle: as the rotation logs in.
	return dbclient.Target{Host: s.dbHost, Port: s.dbPort, User: d.Username, Password: d.Password, Database: db,
		TLS: d.TLSMode(), CA: s.t.DBCA}
}

func checkAppLogin(ctx context.Context, s *state) outcome {
	switch {
	case !s.forwardOK:
		return skip(s.netBlock)
	case s.app == nil || s.app.Username == "" || s.app.Password == "":
		return skip("the app secret has no usable username and password")
	}
	name := s.t.SecretID
	if s.describe != nil {
		name = aws.ToString(s.describe.Name)
	}
	if err := dbclient.Login(ctx, s.dial, s.dbTarget(s.app)); err != nil {
		if tr, ok := loginRefusedForTLS(err, s.app); ok {
			return s.tlsRequired(ctx, tr, name)
		}
		detail, fix := loginFailure(err, s.app.Username, name, false)
		return fail(detail, fix)
	}
	s.appLoginOK = true
	return pass(fmt.Sprintf("%s logged in at %s with the password in AWSCURRENT", s.app.Username, s.addr()))
}

func checkAdminLogin(ctx context.Context, s *state) outcome {
	switch {
	case !s.forwardOK:
		return skip(s.netBlock)
	case s.admin == nil:
		if s.adminARN == "" && !s.alternating() {
			return skip("no admin secret: single-user rotation does not log in as the admin")
		}
		return skip("the admin secret could not be read")
	}
	if err := dbclient.Login(ctx, s.dial, s.dbTarget(s.admin)); err != nil {
		if tr, ok := loginRefusedForTLS(err, s.admin); ok {
			return s.tlsRequired(ctx, tr, shortARN(s.adminARN))
		}
		detail, fix := loginFailure(err, s.admin.Username, shortARN(s.adminARN), true)
		return fail(detail, fix)
	}
	s.adminLoginOK = true
	return pass(fmt.Sprintf("%s logged in at %s with the password in %s", s.admin.Username, s.addr(), shortARN(s.adminARN)))
}

func (s *state) addr() string { return net.JoinHostPort(s.dbHost, strconv.Itoa(s.dbPort)) }

func loginFailure(err error, user, secret string, admin bool) (detail, fix string) {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1045 {
		return me.Error(), fixDBLogin(user, secret, admin)
	}
	if ce := dbclient.Classify(err); ce != nil && ce.Fix != "" {
		return ce.What + ": " + rootCause(err), ce.Fix
	}
	return fmt.Sprintf("log in as %s: %v", user, err), fixDBLogin(user, secret, admin)
}

func checkClone(ctx context.Context, s *state) outcome {
	switch {
	case !s.alternating():
		return skip("single-user rotation has no clone")
	case !s.forwardOK:
		return skip(s.netBlock)
	case !s.adminLoginOK:
		return skip("the admin cannot log in to look")
	case s.app == nil || s.app.Username == "":
		return skip("the app secret names no user")
	}
	base := baseUser(s.app.Username)
	clone := base + "_clone"

	db, err := dbclient.Open(ctx, s.dial, s.dbTarget(s.admin))
	if err != nil {
		return fail("open a session as the admin: "+err.Error(), fixDBLogin(s.admin.Username, shortARN(s.adminARN), true))
	}
	defer db.Close()

	exists := map[string]bool{}
	for _, u := range []string{base, clone} {
		ok, err := dbclient.UserExists(ctx, db, u)
		if err != nil {
			return fail("look up user "+u+": "+err.Error(), fixAWSGenericDB)
		}
		exists[u] = ok
	}
	rotated := s.describe != nil && s.describe.LastRotatedDate != nil
	switch {
	case !exists[base] && !exists[clone]:
		return fail(fmt.Sprintf("neither %s nor %s exists", base, clone), fixCloneMissing(clone, base))
	case !exists[clone] && !rotated:
		return pass(fmt.Sprintf("%s exists; %s does not yet (the first rotation creates it)", base, clone))
	case !exists[clone]:
		return fail(fmt.Sprintf("the secret was rotated but %s does not exist", clone), fixCloneMissing(clone, base))
	case !exists[base]:
		return fail(fmt.Sprintf("%s exists but %s does not", clone, base), fixCloneMissing(base, clone))
	}

	grants := map[string][]string{}
	for _, u := range []string{base, clone} {
		g, err := dbclient.ShowGrants(ctx, db, u)
		if err != nil {
			return fail("SHOW GRANTS for "+u+": "+err.Error(), fixAWSGenericDB)
		}
		grants[u] = normaliseGrants(g, u)
	}
	onlyBase, onlyClone := diff(grants[base], grants[clone])
	if len(onlyBase)+len(onlyClone) > 0 {
		var parts []string
		if len(onlyBase) > 0 {
			parts = append(parts, fmt.Sprintf("only %s has %s", base, strings.Join(onlyBase, "; ")))
		}
		if len(onlyClone) > 0 {
			parts = append(parts, fmt.Sprintf("only %s has %s", clone, strings.Join(onlyClone, "; ")))
		}
		return fail(strings.Join(parts, "; "), fixCloneGrants)
	}
	return pass(fmt.Sprintf("%s and %s both exist with the same %d grants", base, clone, len(grants[base])))
}

// normaliseGrants rewrites each SHOW GRANTS line for one placeholder grantee, with the
// parser the rotation itself uses, so that the two users' grants compare equal when they
// grant the same things. It also drops MariaDB's IDENTIFIED BY PASSWORD '*hash' clause:
// it differs per user by design, and a password hash has no place on screen.
func normaliseGrants(lines []string, user string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if g, err := dbclient.RewriteGrant(l, user, "USER"); err == nil {
			l = g
		} else if i := strings.Index(l, " IDENTIFIED BY"); i >= 0 {
			l = l[:i] // unparsable: still never show a hash
		}
		out = append(out, l)
	}
	return out
}

// diff returns what only a has and what only b has.
func diff(a, b []string) (onlyA, onlyB []string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		inA[x] = true
	}
	for _, x := range b {
		inB[x] = true
	}
	for _, x := range a {
		if !inB[x] {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !inA[x] {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}
