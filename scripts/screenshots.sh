#!/bin/sh
# Make the README's screenshots from a real run: the walkthrough runs in
# tmux on the sandbox, the script walks to each key screen, captures the pane
# with its colours, and freeze turns the capture into a PNG in assets/.
#
# Usage: scripts/screenshots.sh            (from the repository root)
# Needs: go, tmux. Installs freeze into a temporary directory.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
session="rt-shots-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$tmp"' EXIT

echo "building…"
(cd "$root" && go build -o "$tmp/rotation-tutor" .)
GOBIN="$tmp" go install github.com/charmbracelet/freeze@v0.2.2

tmux new-session -d -s "$session" -x 100 -y 30 "$tmp/rotation-tutor --state $tmp/state"

# wait_for TEXT: poll the pane until it shows TEXT (at most 20 s).
wait_for() {
	i=0
	until tmux capture-pane -p -t "$session" | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "timed out waiting for: $1" >&2
			tmux capture-pane -p -t "$session" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# shot NAME: capture the pane with its colours and render assets/NAME.png.
shot() {
	tmux capture-pane -e -p -t "$session" >"$tmp/$1.ansi"
	"$tmp/freeze" --language ansi --window --padding 20 -o "$root/assets/$1.png" "$tmp/$1.ansi"
	chmod 0644 "$root/assets/$1.png"
	echo "assets/$1.png"
}

# run_step RESULT NEXT: run the screen's action, wait for RESULT, move on.
run_step() {
	tmux send-keys -t "$session" Enter
	wait_for "$1"
	tmux send-keys -t "$session" Enter
	wait_for "$2"
}

# The troubleshooting lab, at 80×24 (scripts/screenshots.sh lab makes only this one): the
# walkthrough done headless, then resumed at the troubleshooting screen, something broken,
# and the doctor finding it.
if [ "${1:-}" = lab ]; then
	tmux kill-session -t "$session"
	"$tmp/rotation-tutor" run --yes --state "$tmp/state" >/dev/null
	tmux new-session -d -s "$session" -x 80 -y 24 "$tmp/rotation-tutor --state $tmp/state"
	wait_for "resume there"
	tmux send-keys -t "$session" Enter
	wait_for "checks passed"
	tmux send-keys -t "$session" B
	wait_for "broken now"
	tmux send-keys -t "$session" Enter
	wait_for "Found it"
	shot lab
	tmux send-keys -t "$session" q
	exit 0
fi

wait_for "Welcome"
tmux send-keys -t "$session" Enter
wait_for "The environment"
tmux send-keys -t "$session" Enter
wait_for "sandbox running"
shot environment
tmux send-keys -t "$session" Enter
wait_for "Connect through the bastion"
run_step "logged in as" "Create the database user"
tmux send-keys -t "$session" Enter
wait_for "appuser exists and can read"
shot create-user
tmux send-keys -t "$session" Enter
wait_for "Store the secret"
run_step "SecretsManagerTutorialAppuser is stored" "Validate the secret"
run_step "CURRENT_USER() is" "Configure rotation"
run_step "rotation is on" "Watch it rotate"
wait_for "CLIENTS"
tmux send-keys -t "$session" r
wait_for "appuser → appuser_clone → appuser"
sleep 3 # let the sparkline fill a little
shot live-rotation
tmux send-keys -t "$session" q
