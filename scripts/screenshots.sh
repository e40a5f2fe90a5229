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

# wait_for TEXT [SECONDS]: poll the pane until it shows TEXT (at most 20 s, or SECONDS).
wait_for() {
	i=0
	limit=$((${2:-20} * 10))
	until tmux capture-pane -p -t "$session" | grep -qF -- "$1"; do
		i=$((i + 1))
		if [ "$i" -gt "$limit" ]; then
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
	"$tmp/freeze" --language ansi --window --padding 20 --font.family "DejaVu Sans Mono" -o "$root/assets/$1.png" "$tmp/$1.ansi"
	chmod 0644 "$root/assets/$1.png"
	echo "assets/$1.png"
}

# run_step RESULT NEXT: run the screen's action unless the screen already shows
# its RESULT (a screen looks at the world when entered), wait for RESULT, move on.
run_step() {
	i=0
	until tmux capture-pane -p -t "$session" | grep -qF -- "$1" ||
		tmux capture-pane -p -t "$session" | grep -qF -- "▶ enter"; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "timed out waiting for the screen's result or its action: $1" >&2
			exit 1
		fi
		sleep 0.1
	done
	if ! tmux capture-pane -p -t "$session" | grep -qF -- "$1"; then
		tmux send-keys -t "$session" Enter
		wait_for "$1"
	fi
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
wait_for "sandbox running" # the world starts by itself
shot environment
tmux send-keys -t "$session" Enter
wait_for "Connect through the bastion"
run_step "logged in" "Create the database user"
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

# Slow motion, step by step, caught mid-rotation: two steps done, the third held.
tmux send-keys -t "$session" m m m
wait_for "slow motion: step by step"
tmux send-keys -t "$session" r
wait_for "‖ createSecret"
tmux send-keys -t "$session" Space
wait_for "‖ setSecret"
tmux send-keys -t "$session" Space
wait_for "‖ testSecret"
sleep 4 # a few logins while it is held, and the help bar back
shot live-slow-motion
tmux send-keys -t "$session" Space
wait_for "‖ finishSecret"
tmux send-keys -t "$session" Space m
wait_for "LAST ROTATION"

# The clients' 300 s cache against two rotations a moment apart: the failures,
# explained where they happen.
tmux send-keys -t "$session" r
wait_for "stale 8"
tmux send-keys -t "$session" r
wait_for "clients failed: they still held"
shot live-failures-explained
tmux send-keys -t "$session" q

# The caching policies compared by the bench, on scheduled rotations of a fast
# clock: its table, shown in the terminal.
tmux kill-session -t "$session" 2>/dev/null || true
"$tmp/rotation-tutor" bench --clients 8 --rotations 10 >"$tmp/bench.txt"
session="rt-shots-bench-$$"
tmux new-session -d -s "$session" -x 124 -y 26 "cat $tmp/bench.txt; sleep 60"
wait_for "single-user, after a failed login"
shot bench-policies
