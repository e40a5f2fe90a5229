package shell

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"rotation-tutor/internal/textwrap"
)

// Commands of the shapes the screens show: quotes of both kinds, $( … ) inside double
// quotes, escaped quotes, pipes and &&, a jq program and SQL with spaces inside quotes.
var shown = []string{
	`aws secretsmanager rotate-secret --secret-id SecretsManagerTutorialAppuser --rotation-lambda-arn arn:aws:lambda:us-east-1:000000000000:function:tutorial-alternating-users-rotation --rotation-rules '{"ScheduleExpression":"rate(2 days)","Duration":"2h"}' --region us-east-1 --endpoint-url http://127.0.0.1:35519`,
	`S="$(aws secretsmanager get-secret-value --secret-id 'rds!db-b2060578-8d00-4878' --query SecretString --output text --region us-east-1)" && MYSQL_PWD="$(printf '%s' "$S" | jq -r .password)" mysql -h 127.0.0.1 -P 13306 -u "$(printf '%s' "$S" | jq -r .username)" tutorial -e 'SELECT CURRENT_USER()'`,
	`mysql -h 127.0.0.1 -P 13306 -u admin tutorial -e "CREATE USER 'appuser'@'%' IDENTIFIED BY '$(aws secretsmanager get-random-password --password-length 32 --exclude-characters '/@"'\''\' --output text)'; GRANT SELECT ON \` + "`" + `tutorial\` + "`" + `.* TO 'appuser'@'%';"`,
	`aws secretsmanager create-secret --name SecretsManagerTutorialAppuser --description 'appuser for the rotation tutorial' --secret-string "$(jq -cn --arg pw "$(aws secretsmanager get-random-password --output text)" '{engine:"mysql",port:3306,username:"appuser",password:$pw}')"`,
	`unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; export AWS_SHARED_CREDENTIALS_FILE='/tmp/a b/aws-credentials' AWS_PROFILE=rotation-tutor-sandbox AWS_DEFAULT_REGION=us-east-1`,
}

// What bash makes of a command: every command it would run, with its arguments after
// quoting, expansion and line continuations, as its xtrace prints them (sorted); the programs
// are functions that do nothing, so nothing runs. Two texts the shell reads as the same
// command trace the same.
func parsed(t *testing.T, cmd string) string {
	t.Helper()
	stubs := "aws() { :; }; jq() { :; }; mysql() { :; }; ssh() { :; }\nset -x\n"
	out, err := exec.Command("bash", "--norc", "-c", stubs+cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("bash cannot run %q: %v\n%s", cmd, err, out)
	}
	lines := strings.Split(string(out), "\n")
	sort.Strings(lines) // the commands of a pipeline run, and trace, in any order
	return strings.Join(lines, "\n")
}

// Wrapped at any width where every word fits, a command pastes as the same command.
func TestWrapPastesAsTheSameCommand(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, cmd := range shown {
		want := parsed(t, cmd)
		longest := 0
		for _, w := range words(cmd) {
			longest = max(longest, ansi.StringWidth(w.Text))
		}
		for width := longest + len(textwrap.Indent) + len(inSingle.End); width <= 140; width += 7 {
			got, pasteable := Wrap(cmd, width)
			if !pasteable {
				t.Errorf("width %d: every word fits, yet Wrap says the command does not paste:\n%s", width, got)
			}
			for _, l := range strings.Split(got, "\n") {
				if ansi.StringWidth(l) > width {
					t.Errorf("width %d: line %q is wider", width, l)
				}
			}
			if parsed(t, got) != want {
				t.Errorf("width %d: wrapped, the shell reads another command:\n%s", width, got)
			}
		}
	}
}

// Every space is a place to break, each with the way the shell reads the break back.
func TestWords(t *testing.T) {
	for cmd, want := range map[string]string{
		`a 'b c' "d $(e 'f g') h" i\ j`: `a|'b|<'>c'|"d|<">$(e|'f|<'>g')|<">h"|i\ j`,
		`x=$(aws  get --id 'a  b')`:     `x=$(aws|get|--id|'a|<'>|<'>b')`,
		`echo "it's" 'say "hi"'`:        `echo|"it's"|'say|<'>"hi"'`,
	} {
		var got []string
		for _, w := range words(cmd) {
			mark := map[textwrap.Word]string{inDouble: `<">`, inSingle: `<'>`}[textwrap.Word{End: w.End, Start: w.Start}]
			got = append(got, mark+w.Text)
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("words(%q) = %s; want %s", cmd, g, want)
		}
	}
}

// A word wider than the line is cut where it reads best, and nothing is lost.
func TestWrapCutsOnlyWordsWiderThanALine(t *testing.T) {
	arn := "arn:aws:lambda:us-east-1:000000000000:function:tutorial-alternating-users-rotation"
	got, pasteable := Wrap("aws lambda get-function --function-name "+arn, 40)
	if pasteable {
		t.Errorf("a cut word, yet Wrap says the command pastes as shown:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if ansi.StringWidth(l) > 40 {
			t.Fatalf("line over the width: %q", l)
		}
	}
	if !strings.Contains(got, "function:\n") {
		t.Errorf("the ARN did not break after a colon:\n%s", got)
	}
	flat := strings.NewReplacer("\n", "", " ", "", "\\", "").Replace(got)
	if flat != strings.ReplaceAll("aws lambda get-function --function-name "+arn, " ", "") {
		t.Errorf("text lost:\n%s", got)
	}
}
