package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"rotation-tutor/awsclient"
	"rotation-tutor/dbclient"
	"rotation-tutor/rotation"
)

// tlsRequired is a login refused because the database requires TLS and the login was plain
// text (MySQL's 3159, or MariaDB's 1045 that a login over TLS then explained), with both
// ways out: log in with TLS, verified with the CA bundle; or let plain text in again, with
// the aws commands that set require_secure_transport to 0 in the instance's DB parameter
// group, as RDS describes it. A user created REQUIRE SSL is the user's own rule, whose fix
// dbclient words.
func (s *state) tlsRequired(ctx context.Context, tr *dbclient.TLSRequiredError, secret string) outcome {
	detail := fmt.Sprintf("%s (error %d)", tr.What(), tr.Number)
	if !tr.ServerWide {
		return fail(detail, tr.Fix()).under(HeadingTLS)
	}
	bundle := ""
	if s.t.DBCA != nil {
		bundle = s.t.DBCA.File
	}
	return fail(detail, fixTLSRequired(secret, bundle, s.allowPlain(ctx))).under(HeadingTLS)
}

// allowPlain are the commands that let plain text in on the instance, when RDS says which
// parameter group it uses; none when it cannot be asked.
func (s *state) allowPlain(ctx context.Context) []string {
	if s.t.RDS == nil || s.t.DBInstance == "" {
		return nil
	}
	out, err := s.t.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(s.t.DBInstance)})
	if err != nil || len(out.DBInstances) == 0 || len(out.DBInstances[0].DBParameterGroups) == 0 {
		return nil
	}
	db := out.DBInstances[0]
	group := aws.ToString(db.DBParameterGroups[0].DBParameterGroupName)
	return awsclient.AllowPlainDBConnections(s.region(), aws.ToString(db.DBInstanceIdentifier), group,
		parameterGroupFamily(aws.ToString(db.Engine), aws.ToString(db.EngineVersion)))
}

// parameterGroupFamily is the DB parameter group family of an engine version, as RDS names
// them: mysql8.0 for MySQL 8.0.40, mariadb11.8 for MariaDB 11.8.2. Only a default group's
// fix needs it (the custom group it makes must be of the instance's family).
func parameterGroupFamily(engine, version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return engine + version
	}
	return engine + parts[0] + "." + parts[1]
}

// loginRefusedForTLS says whether err refused a login with secret because it was plain text,
// as the secret's "ssl": false asked. A secret that let TLS be tried first failed at TLS
// (the certificate, the handshake): that failure is the one to report.
func loginRefusedForTLS(err error, secret *rotation.Secret) (*dbclient.TLSRequiredError, bool) {
	var tr *dbclient.TLSRequiredError
	return tr, secret.TLSMode() == dbclient.TLSOff && errors.As(err, &tr)
}
