package steps

import "fmt"

// Every sentence a person reads about the steps lives in this file, so the
// tone can be reviewed in one place and tested for leaked secrets.

const (
	textFailedGeneric = "The step failed"
	textFixGeneric    = "Press enter to try again; if it keeps failing, the troubleshooting step checks every hop."
)

// Titles and actions (the verb enter performs).
const (
	titleWelcome      = "Welcome"
	titleEnvironment  = "The environment"
	titleConnect      = "Connect through the bastion"
	titleCreateUser   = "Create the database user"
	titleStoreSecret  = "Store the secret"
	titleValidate     = "Validate the secret"
	titleConfigure    = "Configure rotation"
	titleWatch        = "Watch it rotate"
	titleTestRotated  = "Test the rotated secret"
	titleTroubleshoot = "Troubleshoot"
	titleCleanUp      = "Clean up"

	actionWelcome      = "start the walkthrough"
	actionEnvironment  = "start the environment"
	actionConnect      = "open the tunnel and log in as admin"
	actionCreateUser   = "create appuser"
	actionStoreSecret  = "store the secret"
	actionValidate     = "log in with the secret"
	actionConfigure    = "turn on rotation and rotate now"
	actionWatch        = "rotate"
	actionTestRotated  = "log in with the current and previous versions"
	actionTroubleshoot = "run the checks"
	actionCleanUp      = "schedule deletion and drop the users"
)

func explainWelcome(o Options) string {
	return "This walkthrough sets up alternating-users rotation for a MySQL password kept in AWS Secrets " +
		"Manager, one step at a time. Every screen says what it does and why, does it for real, and shows the " +
		"commands you would type to do the same by hand. Pick a strategy and a tutorial, then press enter."
}

func explainEnvironment(o Options) string {
	return "Rotation involves three parties: Secrets Manager keeps the password, a rotation function changes it, " +
		"and the database must accept it. The database lives in a private network, so you reach it through a " +
		"bastion, an SSH server that forwards your connection. In the sandbox all of it runs inside this " +
		"program on loopback; with --aws these are your account's real resources."
}

func explainConnect(o Options) string {
	return "Creating users needs an admin session on the database. The bastion proves who it is with its host " +
		"key fingerprint, then forwards a connection to the database. The admin password is never typed or " +
		"saved: it is read from the admin secret that RDS keeps for the instance."
}

func explainCreateUser(o Options) string {
	s := "Applications should not log in as admin. Give the application a user of its own, with a long random " +
		"password and only what it needs: SELECT on the tutorial database. Rotation checks every new password " +
		"with a query, so SELECT is the least it can have."
	if o.Flavour == FlavourClassic {
		s += " The older tutorial calls this a limited user: it can read, nothing more."
	}
	return s
}

func explainStoreSecret(o Options) string {
	s := "Now put the credentials where applications will look for them: the secret " + DefaultSecretName + ". " +
		"Its value is JSON with the fields the rotation function reads: engine, host, port, username, password, dbname"
	if o.Strategy == StrategyAlternating {
		s += ", and masterarn, the ARN of the admin secret that is allowed to change this user"
	}
	return s + ". The first version gets the label AWSCURRENT."
}

func explainValidate(o Options) string {
	return "Check the secret before trusting rotation with it: read it back as an application would, log in " +
		"with what it holds, and ask the server who you are. A secret that does not work now would make " +
		"the first rotation fail, and that is harder to read."
}

func explainConfigure(o Options) string {
	when := "every 2 days, within a 2-hour window,"
	if o.Flavour == FlavourClassic {
		when = "every 30 days"
	}
	s := "Turn rotation on: Secrets Manager will call the rotation function " + when + " and once right now. "
	if o.Strategy == StrategySingle {
		return s + "With a single user the function changes appuser's own password, so a client still holding " +
			"the old one fails until it reads the secret again. This is the case alternating users avoids."
	}
	return s + "With alternating users the function leaves alone the user applications are logged in as: it " +
		"clones appuser into appuser_clone with the same grants, gives the clone a new password, and makes " +
		"that version current. The next rotation goes back the other way."
}

func explainWatch(o Options) string {
	s := "A rotation is four calls: createSecret stores a new version labelled AWSPENDING, setSecret makes the " +
		"database accept it, testSecret logs in with it, and finishSecret moves AWSCURRENT onto it (the old " +
		"version becomes AWSPREVIOUS). The simulated clients keep logging in throughout."
	if o.Flavour == FlavourClassic {
		s += " Rotate twice to see the user name come back."
	}
	return s
}

func explainTestRotated(o Options) string {
	if o.Strategy == StrategySingle {
		return "After a single-user rotation only the current version logs in: the previous password was changed " +
			"in place. A client that cached it fails until it reads the secret again. Compare with alternating " +
			"users, where the previous version keeps working."
	}
	return "After rotation the current version logs in, and so does the previous one. That is the point of " +
		"alternating users: a client that cached the old secret keeps working until it refreshes, so no login " +
		"fails during the switch, provided every client refreshes before the next rotation."
}

func explainTroubleshoot(o Options) string {
	return "When rotation fails, one hop is almost always to blame: credentials, the endpoint, a secret's fields, " +
		"the bastion, a database login, or a rotation left half done. These checks walk the path in order and " +
		"say which hop broke and what to do about it."
}

func explainCleanUp(o Options) string {
	return fmt.Sprintf("Remove what the tutorial made. The secret is not deleted at once: it is scheduled for "+
		"deletion after a %d-day recovery window, during which it can be restored. Both database users are "+
		"dropped, and quitting stops the sandbox.", RecoveryDays)
}

// Words used in results and problems.
const (
	noteLocalRotator = "the local rotator (this app runs the four steps through the tunnel)"
	fixTunnel        = "Check the bastion address and key; the troubleshooting step tests each hop."
	fixAdminSecret   = "Check that the admin secret exists and that your identity may read it (secretsmanager:GetSecretValue)."
	fixNoPassword    = "Go back to the create-user step and run it again; its password lives only in memory."
	fixStoreFirst    = "Run the store-secret step first (press b to go back)."
	fixPending       = "A previous rotation did not finish. Run the troubleshooting step, or remove the label: aws secretsmanager update-secret-version-stage --secret-id %s --version-stage AWSPENDING --remove-from-version-id %s"
	fixRotationWait  = "The rotation function did not finish in time. Check its logs (CloudWatch Logs, /aws/lambda/<function>), that it can reach the database and the Secrets Manager endpoint from its VPC, and that it may read the admin secret named by masterarn."
	fixLoginCurrent  = "The current version does not log in: the last rotation did not update the database. Run the troubleshooting step."
	fixLoginPrevious = "With alternating users the previous version must still log in. Check that nobody changed that user's password by hand, then rotate again."
	fixClone         = "Check that the admin user may create users and grant privileges (CREATE USER, GRANT OPTION)."
)

// ErrChecksFailed is the troubleshooting step's error when a check failed.
type checksFailed int

func (n checksFailed) Error() string {
	if n == 1 {
		return "1 check failed"
	}
	return fmt.Sprintf("%d checks failed", int(n))
}
