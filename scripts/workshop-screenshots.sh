#!/bin/sh
# Make the README's workshop screenshots from a real run: `rotation-tutor
# serve` on a loopback port, three attendees logged in with OpenSSH's ssh in
# tmux (one rotating on the live screen, one comparing single user, one
# further behind), and the instructor's dashboard; freeze turns each pane
# into a PNG in assets/.
#
# Usage: scripts/workshop-screenshots.sh   (from the repository root)
# Needs: go, tmux, ssh, ssh-keygen, and rsvg-convert (Debian: librsvg2-bin), which freeze
# uses for PNGs. Installs freeze into a temporary directory.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
sessions=""
server=""
cleanup() {
	for s in $sessions; do tmux kill-session -t "$s" 2>/dev/null || true; done
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building…"
(cd "$root" && go build -o "$tmp/rotation-tutor" .)
GOBIN="$tmp" go install github.com/charmbracelet/freeze@v0.2.2
ssh-keygen -q -t ed25519 -N '' -C instructor -f "$tmp/instructor"

"$tmp/rotation-tutor" serve --passphrase pinecone --instructor-key "$tmp/instructor.pub" \
	--listen 127.0.0.1:0 --state "$tmp/state" >"$tmp/serve.out" 2>"$tmp/serve.log" &
server=$!
i=0
until port=$(sed -n 's/^rotation-tutor serve: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/serve.out") && [ -n "$port" ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || { cat "$tmp/serve.log" >&2; exit 1; }
	sleep 0.1
done
ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p $port"

# open NAME WIDTH HEIGHT COMMAND: a tmux session running COMMAND.
open() {
	tmux new-session -d -s "$1" -x "$2" -y "$3" "$4"
	sessions="$sessions $1"
}

# wait_for SESSION TEXT: poll the pane until it shows TEXT (at most 30 s).
wait_for() {
	i=0
	until tmux capture-pane -p -t "$1" | grep -qF -- "$2"; do
		i=$((i + 1))
		if [ "$i" -gt 300 ]; then
			echo "timed out waiting for: $2" >&2
			tmux capture-pane -p -t "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

keys() { s=$1; shift; tmux send-keys -t "$s" "$@"; }

# join NAME: an attendee logs in with the passphrase.
join() {
	open "$1" 100 30 "ssh $ssh_opts -o PubkeyAuthentication=no $1@127.0.0.1"
	wait_for "$1" "Workshop passphrase:"
	keys "$1" pinecone Enter
	wait_for "$1" "Welcome"
}

# step NAME RESULT NEXT: run the screen's action, wait for RESULT, move on to NEXT.
step() {
	keys "$1" Enter
	wait_for "$1" "$2"
	keys "$1" Enter
	wait_for "$1" "$3"
}

# to_live NAME: from the welcome screen to the live screen.
to_live() {
	keys "$1" Enter
	wait_for "$1" "sandbox running"
	keys "$1" Enter
	wait_for "$1" "Connect through the bastion"
	step "$1" "logged in as" "Create the database user"
	step "$1" "appuser exists and can read" "Store the secret"
	step "$1" "SecretsManagerTutorialAppuser is stored" "Validate the secret"
	wait_for "$1" "CURRENT_USER() is appuser" # read-only: the look is the check
	keys "$1" Enter
	wait_for "$1" "Configure rotation"
	step "$1" "rotation is on" "Watch it rotate"
	wait_for "$1" "CLIENTS"
}

# shot SESSION NAME: capture the pane with its colours and render assets/NAME.png.
shot() {
	tmux capture-pane -e -p -t "$1" >"$tmp/$2.ansi"
	"$tmp/freeze" --language ansi --window --padding 20 --font.family "DejaVu Sans Mono" -o "$root/assets/$2.png" "$tmp/$2.ansi"
	chmod 0644 "$root/assets/$2.png"
	echo "assets/$2.png"
}

join ana
join ben
join chloe
to_live ana
to_live chloe
keys chloe s # chloe compares single user: its clients fail at each rotation
wait_for chloe "single-user"
keys ben Enter
wait_for ben "sandbox running"
keys ben Enter
wait_for ben "Connect through the bastion"

open instructor 100 24 "ssh $ssh_opts -i $tmp/instructor instructor@127.0.0.1"
wait_for instructor "rotation-tutor workshop"
keys instructor m
wait_for instructor "message to everyone"
keys instructor "Watch the username alternate: press r a few times" Enter
wait_for ana "instructor: Watch the username"
keys ana r
wait_for ana "appuser → appuser_clone → appuser"
keys chloe r
sleep 3 # let the dashboard read the room and the sparklines fill a little
shot ana workshop-attendee
shot instructor workshop-dashboard
