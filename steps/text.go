package steps

import (
	"fmt"
	"strings"

	"rotation-tutor/rotation"
)

// Every sentence a person reads about the steps lives in this file, so the
// tone can be reviewed in one place and tested for leaked secrets.

// Fixes say what to do in words that fit every mode: the walkthrough adds
// the key that does it, the headless run the command.
const (
	textFailedGeneric = "The step failed"
	textFixGeneric    = "Run the step again; if it keeps failing, the troubleshooting step (rotation-tutor doctor) checks every hop."
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

func explainWelcome(c Choices) string {
	return "This walkthrough sets up alternating-users rotation for a MySQL password kept in AWS Secrets " +
		"Manager, one step at a time. Every screen says what it does and why, does it for real, and shows the " +
		"commands you would type to do the same by hand. Pick a strategy and a tutorial, then press enter."
}

func explainEnvironment(c Choices) string {
	return "Rotation involves three parties: Secrets Manager keeps the password, a rotation function changes it, " +
		"and the database must accept it. The database lives in a private network, so you reach it through a " +
		"bastion, an SSH server that forwards your connection. In the sandbox all of it runs inside this " +
		"program on loopback; with --aws these are your account's real resources."
}

func explainConnect(c Choices) string {
	return "Creating users needs an admin session on the database. The bastion proves who it is with its host " +
		"key fingerprint, then forwards a connection to the database. The admin password is never typed or " +
		"saved: it is read from the admin secret that RDS keeps for the instance."
}

func explainCreateUser(c Choices) string {
	s := "Applications should not log in as admin. Give the application a user of its own, with a long random " +
		"password and only what it needs: SELECT on the tutorial database. Rotation checks every new password " +
		"with a query, so SELECT is the least it can have."
	if c.Flavour == FlavourClassic {
		s += " The older tutorial calls this a limited user: it can read, nothing more."
	}
	return s
}

func explainStoreSecret(c Choices) string {
	s := "Now put the credentials where applications will look for them: the secret " + DefaultSecretName + ". " +
		"Its value is JSON with the fields the rotation function reads: engine, host, port, username, password, dbname"
	if c.Strategy == rotation.AlternatingUsers {
		s += ", and masterarn, the ARN of the admin secret that is allowed to change this user"
	}
	return s + ". The first version gets the label AWSCURRENT."
}

func explainValidate(c Choices) string {
	return "Check the secret before trusting rotation with it: read it back as an application would, log in " +
		"with what it holds, and ask the server who you are. A secret that does not work now would make " +
		"the first rotation fail, and that is harder to read."
}

func explainConfigure(c Choices) string {
	when := "every 2 days, within a 2-hour window,"
	if c.Flavour == FlavourClassic {
		when = "every 30 days"
	}
	s := "Turn rotation on: Secrets Manager will call the rotation function " + when + " and once right now. "
	if c.Strategy == rotation.SingleUser {
		return s + "With a single user the function changes appuser's own password, so a client still holding " +
			"the old one fails until it reads the secret again. This is the case alternating users avoids."
	}
	return s + "With alternating users the function leaves alone the user applications are logged in as: it " +
		"clones appuser into appuser_clone with the same grants, gives the clone a new password, and makes " +
		"that version current. The next rotation goes back the other way."
}

func explainWatch(c Choices) string {
	s := "A rotation is four calls: createSecret stores a new version labelled AWSPENDING, setSecret makes the " +
		"database accept it, testSecret logs in with it, and finishSecret moves AWSCURRENT onto it (the old " +
		"version becomes AWSPREVIOUS). The simulated clients keep logging in throughout."
	if c.Flavour == FlavourClassic {
		s += " Rotate twice to see the user name come back."
	}
	return s
}

func explainTestRotated(c Choices) string {
	if c.Strategy == rotation.SingleUser {
		return "After a single-user rotation only the current version logs in: the previous password was changed " +
			"in place. A client that cached it fails until it reads the secret again. Compare with alternating " +
			"users, where the previous version keeps working."
	}
	return "After rotation the current version logs in, and so does the previous one. That is the point of " +
		"alternating users: a client that cached the old secret keeps working until it refreshes, so no login " +
		"fails during the switch, provided every client refreshes before the next rotation."
}

func explainTroubleshoot(c Choices) string {
	return "When rotation fails, one hop is almost always to blame: credentials, the endpoint, a secret's fields, " +
		"the bastion, a database login, or a rotation left half done. These checks walk the path in order and " +
		"say which hop broke and what to do about it."
}

func explainCleanUp(c Choices) string {
	return fmt.Sprintf("Remove what the tutorial made. The secret is not deleted at once: it is scheduled for "+
		"deletion after a %d-day recovery window, during which it can be restored. Both database users are "+
		"dropped, and quitting stops the sandbox.", RecoveryDays)
}

// Words used in results and problems.
const (
	noteLocalRotator     = "the local rotator (this app runs the four steps through the tunnel)"
	fixTunnel            = "Check the bastion address and key; the troubleshooting step tests each hop."
	fixAdminSecret       = "Check that the admin secret exists and that your identity may read it (secretsmanager:GetSecretValue)."
	fixStartFirst        = "Start the environment first (the environment step)."
	fixCreateUserFirst   = "Create the database user first (the create-user step)."
	fixStoreFirst        = "Store the secret first (the store-secret step)."
	fixNothingUnfinished = "Nothing to do: AWSPENDING is on no version of its own, so no rotation is unfinished."
	fixRotationStep      = "The step's own error above says what went wrong; the troubleshooting step checks the hop it names. " +
		"The rotation stays unfinished until it is finished or cancelled."
	fixLoginCurrent  = "The current version does not log in: the database and the secret disagree. Run the store-secret step again: it gives the user the password the secret holds."
	fixLoginPrevious = "With alternating users the previous version must still log in. Check that nobody changed that user's password by hand, then rotate again."
	fixClone         = "Check that the admin user may create users and grant privileges (CREATE USER, GRANT OPTION)."
)

// fixRotationLogs is the fix for a rotation through a Lambda whose steps
// cannot be seen from here: its log says which step failed.
func fixRotationLogs(fn string) string {
	return "The rotation function did not finish. Its log says which step failed and why: aws logs tail /aws/lambda/" +
		lastPart(fn, ":") + " --since 1h. The usual causes: it cannot reach the database or the Secrets Manager endpoint " +
		"from its VPC, or it may not read the admin secret named by masterarn."
}

// fixUnfinished says how out of a rotation left unfinished.
func fixUnfinished(u *rotation.Unfinished) string {
	if u.Stale {
		return "Nothing failed: take the label off (cancel). Finishing it would bring back the older value."
	}
	return "Finish it (run its remaining steps with the same token; each step skips what is done) or cancel it " +
		"(take AWSPENDING off version " + short(u.Pending) + "). Secrets Manager itself retries a failed rotation a few times."
}

func lastPart(s, sep string) string {
	return s[strings.LastIndex(s, sep)+len(sep):]
}
