# tap.sh - TAP output and event waits for ducorig's shell tests (sourced).
#
# The one shell TAP helper: `ok STATUS TEXT` prints "ok N - TEXT" when
# STATUS is 0, else "not ok N - TEXT"; tap_done prints the plan and returns
# non-zero when a check failed, so a script ends with it. tap_relay and
# tap_run take in the TAP of a child program, renumbered into this script's
# count. Tests wait on events, never on fixed sleeps: wait_for polls a file
# for a line, wait_until polls any command, each with a deadline. spawn
# starts a background child and remembers its pid until stop_pid or reap_pid
# reaps it; stop_spawned (from the EXIT trap) stops every one still running,
# by pid. tap_workdir makes a script's scratch folder and that EXIT trap. Assumes bash >= 5 (EPOCHREALTIME) and that the script does not use
# the names tap_* for itself.

tap_n=0 tap_failed=0
tap_pids=()

ok() {  # ok <status: 0 = pass> <text>
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ] 2>/dev/null; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

skip() {  # skip <text> <reason>
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

diag() {  # diag <text...>: each line as a TAP comment
	printf '%s\n' "$*" | sed 's/^/# /'
}

# A child's TAP on stdin: results renumbered into ours (with an optional
# prefix before the text), comments passed on, its plan dropped, any other
# line shown as a comment. Feed it with `<file` or `< <(command)`: in a pipe
# it runs in a subshell and its count is lost.
tap_relay() {  # tap_relay [prefix]
	local prefix=${1:-} line text re='^ *[0-9]* *(- )?(.*)$'
	while IFS= read -r line; do
		case "$line" in
		"ok"|"ok "*|"not ok"|"not ok "*)
			text=${line#not ok}; text=${text#ok}
			[[ $text =~ $re ]] && text=${BASH_REMATCH[2]}
			tap_n=$((tap_n + 1))
			case "$line" in
			"not ok"*) echo "not ok $tap_n - $prefix$text"; tap_failed=$((tap_failed + 1)) ;;
			*) echo "ok $tap_n - $prefix$text" ;;
			esac ;;
		"#"*) echo "$line" ;;
		1..*) ;;
		*) echo "# $line" ;;
		esac
	done
}

# Run a TAP program and relay its output; a non-zero exit without a failed
# check of its own counts as one failure.
tap_run() {  # tap_run <prefix> <command...>
	local prefix=$1 out rc before=$tap_failed
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	tap_relay "$prefix" <"$out"
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$tap_failed" -eq "$before" ]; then
		ok 1 "$prefix$1 exited with status $rc"
	fi
	return "$rc"
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

tap_now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }

# Poll a command every 50 ms until it succeeds; 1 when the deadline (whole
# seconds) passes.
wait_until() {  # wait_until <timeout s> <command...>
	local end=$(( $(tap_now_us) + ${1%.*} * 1000000 ))
	shift
	until "$@"; do
		[ "$(tap_now_us)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# A line matching an extended regex appears in a file (a child's output).
# With a pid, give up as soon as that process has exited.
tap_has_line() {  # tap_has_line <file> <regex> [pid]
	grep -aqE -- "$2" "$1" 2>/dev/null && return 0
	[ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || { tap_gone=1; return 0; }
	return 1
}
wait_for() {  # wait_for <file> <regex> [timeout s, default 30] [pid]
	tap_gone=0
	wait_until "${3:-30}" tap_has_line "$1" "$2" "${4:-}" || return 1
	[ "$tap_gone" -eq 0 ] || grep -aqE -- "$2" "$1" 2>/dev/null
}

# Start a background child (redirections on the call apply to it); its pid
# is in SPAWNED and remembered for stop_spawned.
spawn() {  # spawn <command...>
	"$@" &
	SPAWNED=$!
	tap_pids+=("$SPAWNED")
}

# A reaped pid is forgotten at once: the number may soon belong to another
# process, which stop_spawned must never signal.
tap_forget() {
	local p keep=()
	for p in "${tap_pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	tap_pids=("${keep[@]}")
}

reap_pid() {  # reap_pid <pid>: wait for a child that ends by itself; its exit status
	local rc
	wait "$1" 2>/dev/null
	rc=$?
	tap_forget "$1"
	return "$rc"
}

stop_pid() {  # stop_pid <pid>: SIGTERM, then reap; returns its exit status
	kill "$1" 2>/dev/null
	reap_pid "$1"
}

stop_spawned() {  # for the EXIT trap: every spawned child still running
	local p
	for p in "${tap_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${tap_pids[@]}"; do wait "$p" 2>/dev/null; done
	tap_pids=()
	return 0
}

# tap_workdir <name>: a new scratch folder in $TMPDIR as $T, and an EXIT
# trap that stops every spawned child and removes the folder (kept when
# KEEP is set, to look at after a failure). A script that needs more at
# exit defines tap_on_exit, which runs first.
tap_workdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	trap 'declare -F tap_on_exit >/dev/null && tap_on_exit; stop_spawned
	      [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
}
