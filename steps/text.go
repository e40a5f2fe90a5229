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
	titleStoreMaster  = "Store the master secret"
	titleConnect      = "Connect through the bastion"
	titleCreateUser   = "Create the database user"
	titleStoreSecret  = "Store the secret"
	titleValidate     = "Validate the secret"
	titleConfigure    = "Configure rotation"
	titleRotateTwice  = "Rotate twice"
	titleWatch        = "Watch it rotate"
	titleTestRotated  = "Test the rotated secret"
	titleTroubleshoot = "Troubleshoot"
	titleCleanUp      = "Clean up"

	actionWelcome      = "start the walkthrough"
	actionEnvironment  = "start the environment"
	actionStoreMaster  = "store the master user's credentials"
	actionConnect      = "open the tunnel and log in as the master user"
	actionCreateUser   = "create the user"
	actionStoreSecret  = "store the secret"
	actionValidate     = "log in with the secret"
	actionConfigure    = "turn on rotation and rotate now"
	actionRotateTwice  = "rotate once more"
	actionWatch        = "rotate"
	actionTestRotated  = "log in with the current and previous versions"
	actionTroubleshoot = "run the checks"
	actionCleanUp      = "delete what the tutorial made"
)

func explainWelcome(c Choices) string {
	return "This walkthrough sets up alternating-users rotation for a MySQL password kept in AWS Secrets " +
		"Manager, one step at a time. Every screen says what it does and why, does it for real, and shows the " +
		"commands you would type to do the same by hand. Pick a strategy and a tutorial, then press enter."
}

func explainEnvironment(c Choices) string {
	s := "Rotation involves three parties: Secrets Manager keeps the password, a rotation function changes it, " +
		"and the database must accept it. The database lives in a private network; you reach it through a bastion, " +
		"an SSH server that forwards your connection. "
	if c.Flavour == FlavourClassic {
		return s + "The older tutorial starts where the one before it ended; below, what it stands on and what stands in for each piece here."
	}
	return s + "Below, what the tutorial builds before its first step, with the commands, and what stands in for each piece here."
}

func explainStoreMaster(c Choices) string {
	return "Alternating users needs a user allowed to clone users and change passwords: the master user, " +
		ClassicMasterUser + ". Keep its credentials in a secret of your own, " + ClassicMasterSecret + ": the next steps " +
		"log in with it, and rotation uses it. RDS neither manages nor rotates this secret. In the sandbox the instance " +
		"and its password were made for you; with --aws the command asks for yours."
}

func explainConnect(c Choices) string {
	if c.Flavour == FlavourClassic {
		return "Creating users needs the master user's session on the database. The bastion proves who it is with its " +
			"host key fingerprint, then forwards a connection to " + ClassicInstance + ". The master password is read " +
			"from " + ClassicMasterSecret + ", never typed here. In MySQL Workbench this is the connection named " +
			ClassicInstance + "."
	}
	return "Creating users needs an admin session on the database. The bastion proves who it is with its host " +
		"key fingerprint, then forwards a connection to the database. The admin password is never typed or " +
		"saved: it is read from the admin secret that RDS keeps for the instance."
}

func explainCreateUser(c Choices) string {
	if c.Flavour == FlavourClassic {
		return "Applications should not log in as the master user. Make a limited user, " + ClassicAppUser + ", as the older " +
			"tutorial does: it may read every database (GRANT SELECT ON *.*) and nothing more. Its first password is " +
			"random and long; the next step stores it. Rotation checks each new password with a query, so SELECT is " +
			"the least it can have."
	}
	return "Applications should not log in as admin. Give the application a user of its own, with a long random " +
		"password and only what it needs: SELECT on the tutorial database. The AWS tutorial grants it everything on " +
		"a database, for simplicity; here it gets the least that works, because rotation checks every new password " +
		"with a query, and SELECT is all that query needs."
}

func explainStoreSecret(c Choices) string {
	t := TutorialFor(c.Flavour)
	s := "Now put the credentials where applications will look for them: the secret " + t.SecretName + ". " +
		"Its value is JSON with the fields the rotation function reads: engine, host, port, username, password, dbname"
	if c.Strategy == rotation.AlternatingUsers {
		admin := "the admin secret"
		if t.MasterSecret != "" {
			admin = t.MasterSecret
		}
		s += ", and masterarn, the ARN of " + admin + ", which is allowed to change this user"
	}
	return s + ". The first version gets the label AWSCURRENT."
}

func explainValidate(c Choices) string {
	s := "Check the secret before trusting rotation with it: read it back as an application would, log in " +
		"with what it holds, and ask the server who you are. A secret that does not work now would make " +
		"the first rotation fail, and that is harder to read."
	if c.Flavour == FlavourClassic {
		s += " In MySQL Workbench this is a new connection, MyTestUser, as " + ClassicAppUser + "."
	}
	return s
}

func explainConfigure(c Choices) string {
	t := TutorialFor(c.Flavour)
	when, admin := "every 2 days, within a 2-hour window,", "the admin secret"
	if c.Flavour == FlavourClassic {
		when, admin = "every 30 days", t.MasterSecret
	}
	s := "Turn rotation on: Secrets Manager will call the rotation function " + when + " and once right now. "
	if c.Strategy == rotation.SingleUser {
		return s + "With a single user the function changes " + t.AppUser + "'s own password, so a client still holding " +
			"the old one fails until it reads the secret again. This is the case alternating users avoids."
	}
	return s + "With alternating users the function leaves alone the user applications are logged in as: with " + admin +
		" it clones " + t.AppUser + " into " + t.CloneUser + ", gives the clone a new password, and makes that version " +
		"current. The next rotation goes back the other way."
}

// functionMadeBy says how the current tutorial's rotation function comes to exist.
func functionMadeBy(sandbox bool) string {
	s := "CloudFormation, from AWS's alternating-users template (the console's \"Create a rotation function\"; commands below)"
	if sandbox {
		s += "; here, built in"
	}
	return s
}

func explainRotateTwice(c Choices) string {
	t := TutorialFor(c.Flavour)
	if c.Strategy == rotation.SingleUser {
		return "Rotate the secret twice, as the older tutorial does. With a single user the name stays " + t.AppUser +
			": only its password changes, each time."
	}
	return "Rotate the secret twice, as the older tutorial does, and watch the user name: the first rotation made " +
		t.CloneUser + " current; the second brings back " + t.AppUser + ", with a new password. That is the whole " +
		"cycle: both users work, the clone has the same grants, and the function can change either password. This " +
		"screen goes on only once the name has come back."
}

func explainWatch(c Choices) string {
	return "A rotation is four calls: createSecret stores a new version labelled AWSPENDING, setSecret makes the " +
		"database accept it, testSecret logs in with it, and finishSecret moves AWSCURRENT onto it (the old " +
		"version becomes AWSPREVIOUS). The simulated clients keep logging in throughout."
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
	if c.Flavour == FlavourClassic {
		return fmt.Sprintf("Remove what the tutorial made, so that nothing keeps costing: both secrets, each scheduled for "+
			"deletion after the shortest recovery window, %d days (until then it can be restored), and then the "+
			"instance %s, with no final snapshot. In the sandbox its RDS deletes the instance for real; the "+
			"sandbox makes it again, empty, when it next starts. With --aws you are asked first.", RecoveryDays, ClassicInstance)
	}
	return fmt.Sprintf("Remove what the tutorial made: the secret, scheduled for deletion after the shortest recovery "+
		"window (%d days, during which it can be restored), and both users. Then, in this order, what its prerequisites "+
		"made: the rotation function, the database with its admin secret, the bastion and key pair, the network rules, "+
		"the endpoints and the VPC, each a command below. The sandbox's RDS answers the database's deletion for real; "+
		"the others say what they would do.", RecoveryDays)
}

// Words used in results and problems.
const (
	noteLocalRotator     = "the local rotator (this app runs the four steps through the tunnel)"
	fixTunnel            = "Check the bastion address and key; the troubleshooting step tests each hop."
	fixNoAdminSecret     = "Give the admin secret's ARN with --admin-secret, or create the instance with \"Manage master credentials in AWS Secrets Manager\"."
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

// TLS to the database, by hand and in the secret.
const (
	// noteMySQLTLS follows the note of the first mysql command a tutorial shows when a CA
	// bundle verifies the database.
	noteMySQLTLS = "; over TLS: --ssl-ca checks that a CA in the bundle issued the database's certificate. " +
		"Not its name: it names the endpoint, which 127.0.0.1 at the tunnel's end is not, so " +
		"--ssl-verify-server-cert would refuse the login (this app checks the name: it knows where the tunnel goes)"
	// whySSLTrue is why a secret the walkthrough stores says "ssl": true.
	whySSLTrue = "\"ssl\": true — the database requires TLS (require_secure_transport is ON), so every login with this " +
		"secret (the rotation function's, the clients') uses TLS or stops. Without the key, AWS's template tries TLS " +
		"and then plain text, which this database refuses: a certificate problem would show as that refusal (MariaDB's " +
		"\"Access denied\", as for a wrong password) instead of as itself"
	// noteRequiresTLS ends the connect step's Database TLS fact when the server refuses
	// plain text.
	noteRequiresTLS = " (the database requires TLS: require_secure_transport is ON)"
	// whySSLFalseRefused is the shape problem of a secret that asks for plain text from a
	// database that refuses it.
	whySSLFalseRefused = "ssl is false, but the database requires TLS"
)

// whyTwice says why the older tutorial rotates twice.
func whyTwice(t Tutorial) string {
	return "one rotation shows half the cycle: " + t.CloneUser + " works. The second changes " + t.AppUser +
		"'s password while clients may still use " + t.CloneUser + ": it shows the function can change either " +
		"user, and that the first user's grants survived being cloned back and forth."
}

// Why each prerequisite is there, and what stands in for it in the sandbox.
const (
	whyVPC = "A private network for the database, the bastion and the rotation function. DNS hostnames and resolution " +
		"let the endpoints' private names resolve inside it, so the function calls Secrets Manager and RDS by their usual names."
	standInVPC    = "this process: only the Secrets Manager endpoint and the bastion listen, on loopback; the databases have no port at all"
	whySMEndpoint = "The rotation function runs inside the VPC, with no way to the internet: this endpoint lets it call " +
		"Secrets Manager (read the secrets, store the new version, move the labels) without leaving AWS's network."
	whyRDSEndpoint = "The admin secret RDS manages holds only a user name and a password: the function asks RDS where its " +
		"database is (DescribeDBInstances), through this endpoint."
	whyBastion = "An EC2 instance in the VPC's public subnet: it accepts SSH from you and can reach the database, which " +
		"accepts nothing from the internet. Your way in, for MySQL Workbench and for this app."
	whyManagedSecret = "Created with \"Manage master credentials in AWS Secrets Manager\": RDS makes the admin secret " +
		"(rds!db-…), keeps the admin password only there, and rotates that secret itself. The tutorial's rotation logs in " +
		"with it to clone appuser and change passwords; it never rotates or edits it."
	whyGroups = "Only your address may open SSH to the bastion. When told to connect to the bastion, RDS makes two groups " +
		"(ec2-rds-1 on the bastion, rds-ec2-1 on the database) that let it reach port 3306. The rotation function, the " +
		"database and the endpoints share the VPC's default group, which admits its own members."
	standInGroups = "the bastion listens on loopback only and lets in only its key; it forwards only to the databases' " +
		"names; the rotation function reaches only the databases and the endpoint"
	whyFunction = "The function Secrets Manager calls to rotate: the console's \"Create a rotation function\" deploys it " +
		"into the database's subnets, with the VPC's default group."
	whyClassicBastion = "The older tutorials reached the database straight from MySQL Workbench. Here, as in the current " +
		"tutorial, the database accepts nothing from outside its network: you reach it through an SSH bastion."
	whyClassicFunction = "Secrets Manager keeps the secrets and calls the rotation function, which must reach the database " +
		"(to clone the user and change passwords) and Secrets Manager (to store each new version)."
)

func whyClassicInstance(t Tutorial) string {
	return "The tutorial before this one made it, and you chose the master password then. RDS keeps no secret for it: " +
		"the next step stores the master user's credentials in a secret of your own, " + t.MasterSecret + "."
}

// What the clean-up would delete in a real account that the sandbox has no stand-in for, or
// keeps.
const (
	saySandboxFunction  = "the sandbox's function is built in and stays; on AWS this deletes the stack that made the function, its role and the permission for Secrets Manager to call it"
	saySandboxBastion   = "the sandbox's bastion is an SSH server in this process: it stops when you quit"
	saySandboxKey       = "the sandbox's key (id_ed25519, in its state directory) stays until --reset"
	saySandboxGroups    = "the sandbox has no security groups: nothing to delete"
	saySandboxEndpoints = "the sandbox's endpoint is a listener in this process: it stops when you quit"
	saySandboxVPC       = "the sandbox's network is this process: it goes when you quit"
	sayStandInsStay     = "the bastion, the endpoint and the rotation function are this process: they stop when you quit, and --reset removes their data"
)

// CleanUpWarning is what the clean-up will delete in a real account, asked before it does.
func CleanUpWarning(s *Session) string {
	env, t := s.Env(), s.tut()
	if env == nil {
		return ""
	}
	if t.MasterSecret != "" {
		return fmt.Sprintf("This schedules the secrets %s and %s for deletion after a %d-day recovery window, and deletes the "+
			"DB instance %s with no final snapshot: its database %s and every user in it are lost.", env.SecretName, t.MasterSecret,
			RecoveryDays, env.DBInstance, env.DBName)
	}
	return fmt.Sprintf("This schedules the secret %s for deletion after a %d-day recovery window, and drops the database "+
		"users %s and %s on %s.", env.SecretName, RecoveryDays, t.AppUser, t.CloneUser, env.DBHost)
}

// appSecretDescription is the app secret's description.
func appSecretDescription(t Tutorial) string {
	return t.AppUser + " for the rotation tutorial"
}

// The master secret, in the older tutorial.
const (
	masterDescription    = "The master user of MyTestDatabaseInstance, for the older rotation tutorial"
	noteMasterNotRotated = "none: RDS does not manage this secret and nothing rotates it; it only lets rotation clone users and change passwords"
)

// fixMasterByHand says how to store the master secret when only the learner knows the
// password.
func fixMasterByHand(t Tutorial) string {
	return "Store it with the command shown below: it asks for " + t.MasterUser + "'s password, the one you chose when you " +
		"created " + t.Instance + ", and never shows it. This app never asks for your master password."
}

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
