# tap.sh — what the shell tests share: TAP output (ok / not_ok, and
# tap_finish for the plan and exit status), running a command and checking
# its failure line or its JSON. Sourced by tests/*.sh, which set $tmp (a
# scratch folder) before using run.
#
# Expects PY (a Python with json) or uses /usr/bin/python3.
PY=${PY:-/usr/bin/python3}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# lw ARGS...: lowwatt without OPENBLAS_CORETYPE (no restart, no notice).
lw() { env -u OPENBLAS_CORETYPE -u LOWWATT_BLAS_ENV "$LOWWATT" "$@"; }

lines() { printf '%s' "$1" | grep -c '' || true; }

# expect_error NAME STATUS PATTERN OUTFILE -- COMMAND...: the command exits
# with STATUS (2 usage, 1 failure) and exactly one stderr line matching
# PATTERN, and OUTFILE (if not -) and anything beside it starting with its
# name (a temporary file) do not exist.
expect_error() {
	local name=$1 status=$2 pattern=$3 outfile=$4
	shift 5
	local err rc
	err=$("$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ "$rc" -ne "$status" ]; then
		not_ok "$name" "exit status $rc, expected $status" "stderr: $err"
	elif [ "$(lines "$err")" -ne 1 ]; then
		not_ok "$name" "expected one line on stderr, got $(lines "$err"):" "$err"
	elif ! printf '%s' "$err" | grep -qE -- "$pattern"; then
		not_ok "$name" "stderr does not match /$pattern/: $err"
	elif [ "$outfile" != - ] && compgen -G "$outfile*" >/dev/null; then
		not_ok "$name" "output left behind: $(ls -d "$outfile"*)"
	else
		ok "$name"
	fi
}

# run NAME COMMAND...: run it, output in $tmp/out and $tmp/err; rc, out, err
# set. Returns 0 if it exited 0, else records a failure named NAME.
run() {
	local name=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	[ "$rc" -eq 0 ] && return 0
	not_ok "$name" "exit status $rc" "stderr: $err"
	return 1
}

# json_check NAME FILE EXPR [ARG...]: FILE holds exactly one JSON document
# for which the Python expression EXPR (over j, the document, and a, the
# ARGs) is true.
json_check() {
	local name=$1 file=$2 expr=$3
	shift 3
	local why
	if why=$("$PY" -c '
import json, math, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("not one JSON document: %s" % e); sys.exit(1)
a = sys.argv[3:]
try:
    good = eval("(" + sys.argv[2] + "\n)")
except Exception as e:
    print("%s: %r" % (type(e).__name__, e)); sys.exit(1)
if not good:
    print("false: %s; JSON: %s" % (sys.argv[2], json.dumps(j))); sys.exit(1)
' "$file" "$expr" "$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$why"
	fi
}

# no_temporaries DIR: no *.tmp.* file under DIR.
no_temporaries() { ! find "$1" -name '*.tmp.*' | grep -q .; }

# tap_finish: print the plan; the script's status is 0 only if all passed.
tap_finish() {
	echo "1..$n"
	[ "$fails" -eq 0 ]
}
