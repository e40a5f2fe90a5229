package textwrap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestSpacesBreaksOnlyAtSpaces(t *testing.T) {
	cmd := "aws secretsmanager rotate-secret --secret-id SecretsManagerTutorialAppuser --rotation-lambda-arn " +
		"arn:aws:lambda:us-east-1:000000000000:function:tutorial-alternating-users-rotation --rotation-rules " +
		`'{"ScheduleExpression":"rate(2 days)","Duration":"2h"}' --region us-east-1 --endpoint-url http://127.0.0.1:35519`
	const width = 76
	got := Spaces(cmd, width)
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line %d is %d wide, over %d: %q", i, w, width, l)
		}
		if i > 0 && !strings.HasPrefix(l, "  ") {
			t.Errorf("continuation line %d is not indented: %q", i, l)
		}
	}
	// Nothing is lost, and the ARN, wider than a line, breaks after one of its colons.
	if strings.ReplaceAll(strings.ReplaceAll(got, "\n", ""), " ", "") != strings.ReplaceAll(cmd, " ", "") {
		t.Errorf("text changed:\n%s", got)
	}
	if !strings.Contains(got, "function:\n") {
		t.Errorf("the ARN did not break at a colon:\n%s", got)
	}
	for _, flag := range []string{"--endpoint-url", "--rotation-lambda-arn", "--secret-id"} {
		if !strings.Contains(got, flag) {
			t.Errorf("%s was split:\n%s", flag, got)
		}
	}
}

func TestSpacesCutsOnlyWordsWiderThanALine(t *testing.T) {
	long := strings.Repeat("x", 50)
	got := Spaces("echo "+long, 24)
	for _, l := range strings.Split(got, "\n") {
		if ansi.StringWidth(l) > 24 {
			t.Fatalf("line over the width: %q", l)
		}
	}
	if strings.ReplaceAll(strings.ReplaceAll(got, "\n", ""), " ", "") != "echo"+long {
		t.Fatalf("text lost: %q", got)
	}
}
