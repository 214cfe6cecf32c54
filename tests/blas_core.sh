#!/usr/bin/env bash
# blas_core.sh — the OpenBLAS kernel set (src/cli/blas_core.h). With
# OPENBLAS_CORETYPE forcing a set other than the one OpenBLAS picks for this
# CPU, --blas-core auto (the default) restarts without the variable, runs on
# the CPU's set and says so in one line; --blas-core env keeps the forced set
# and says nothing; a bad value is a usage error; commands without BLAS are
# left alone. Whatever this machine's environment holds, the test sets or
# removes the variable itself. Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
tmp=$(mktemp -d /tmp/lowwatt-blas-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# run CORETYPE COMMAND...: run with OPENBLAS_CORETYPE=CORETYPE (- to remove
# it) and no marker; sets rc, out (stdout), err (stderr), kernels (the set
# that --version reports).
run() {
	local coretype=$1
	shift
	if [ "$coretype" = - ]; then
		env -u OPENBLAS_CORETYPE -u LOWWATT_BLAS_ENV "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	else
		env -u LOWWATT_BLAS_ENV OPENBLAS_CORETYPE="$coretype" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	fi
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	kernels=$(sed -n 's/^blas: .*, kernels \([A-Za-z0-9_]*\).*/\1/p' "$tmp/out")
}

lines() { printf '%s' "$1" | grep -c '' || true; }
same() { [ "${1,,}" = "${2,,}" ]; }

run - "$LOWWATT" --version   # three lines: version and build, blas, mpi
native=$kernels
if [ "$rc" -eq 0 ] && [ -n "$native" ] && [ -z "$err" ] && [ "$(lines "$out")" -eq 3 ] && printf '%s\n' "$out" | grep -qE '^mpi: (Open MPI v[0-9.]+|none)$'; then
	ok "--version without OPENBLAS_CORETYPE reports the CPU's kernels ($native), silently"
else
	not_ok "--version without OPENBLAS_CORETYPE reports the CPU's kernels" "status $rc" \
		"stdout: $out" "stderr: $err"
fi

# A set this CPU does not pick by itself: Haswell (AVX2), or Sandybridge
# where Haswell is the CPU's own.
forced=Haswell
same "$native" Haswell && forced=Sandybridge

run "$forced" "$LOWWATT" --version --blas-core env
if [ "$rc" -ne 0 ] || [ -n "$err" ]; then
	not_ok "--blas-core env keeps OPENBLAS_CORETYPE=$forced" "status $rc" "stderr: $err"
elif ! same "$kernels" "$forced"; then
	# This OpenBLAS ignores the variable (not DYNAMIC_ARCH, another CPU family):
	# nothing to undo.
	skip "--blas-core env keeps OPENBLAS_CORETYPE=$forced" "OpenBLAS runs $kernels regardless"
	forced=
elif ! printf '%s' "$out" | grep -q "OPENBLAS_CORETYPE=$forced"; then
	not_ok "--version says the environment chose the kernels" "stdout: $out"
else
	ok "--blas-core env keeps OPENBLAS_CORETYPE=$forced, silently"
fi

# expect_auto NAME COMMAND...: under OPENBLAS_CORETYPE=$forced the command
# runs on the CPU's kernels and prints the one-line notice, once.
expect_auto() {
	local name=$1
	shift
	run "$forced" "$@"
	local notice="OPENBLAS_CORETYPE=$forced would force $forced kernels, not the $native"
	notice+=" ones.*using $native \(--blas-core env"
	if [ "$rc" -ne 0 ]; then
		not_ok "$name" "status $rc" "stderr: $err"
	elif ! same "$kernels" "$native"; then
		not_ok "$name" "kernels $kernels, expected $native" "stdout: $out"
	elif [ "$(lines "$err")" -ne 1 ] || ! printf '%s' "$err" | grep -qE "^lowwatt: $notice"; then
		not_ok "$name" "expected one notice line on stderr, got:" "$err"
	elif [ "$(lines "$out")" -ne 3 ]; then
		not_ok "$name" "expected three lines on stdout (version, blas, mpi), got:" "$out"
	else
		ok "$name"
	fi
}

# expect_env NAME COMMAND...: under OPENBLAS_CORETYPE=$forced the command
# keeps the forced kernels and prints nothing on stderr.
expect_env() {
	local name=$1
	shift
	run "$forced" "$@"
	if [ "$rc" -ne 0 ] || [ -n "$err" ] || ! same "$kernels" "$forced"; then
		not_ok "$name" "status $rc, kernels $kernels" "stderr: $err"
	else
		ok "$name"
	fi
}

printf '{"blas_core": "env"}\n' >"$tmp/env.json"
printf '{"blas_core": "auto"}\n' >"$tmp/auto.json"
if [ -n "$forced" ]; then
	expect_auto "auto is the default: the CPU's kernels and one notice" "$LOWWATT" --version
	expect_auto "--blas-core auto" "$LOWWATT" --version --blas-core auto
	expect_auto "--blas-core=auto" "$LOWWATT" version --blas-core=auto
	expect_env "--blas-core=env" "$LOWWATT" version --blas-core=env
	expect_env "the last --blas-core wins" "$LOWWATT" --version --blas-core auto --blas-core env
	expect_env "blas_core env in a --config file" "$LOWWATT" --version --config "$tmp/env.json"
	expect_auto "--blas-core auto overrides the --config file" \
		"$LOWWATT" --version --config "$tmp/env.json" --blas-core auto
	expect_auto "blas_core auto in a --config file" "$LOWWATT" --version --config "$tmp/auto.json"

	# A marker inherited from elsewhere (not this process's) is ignored.
	env -u OPENBLAS_CORETYPE LOWWATT_BLAS_ENV=1:Haswell:Haswell "$LOWWATT" --version \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	if [ $? -eq 0 ] && [ ! -s "$tmp/err" ]; then
		ok "a stray marker variable prints nothing"
	else
		not_ok "a stray marker variable prints nothing" "stderr: $(cat "$tmp/err")"
	fi

	# Commands without BLAS neither restart nor print.
	run "$forced" "$LOWWATT" tokenize --help
	if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
		ok "a command without BLAS prints no notice"
	else
		not_ok "a command without BLAS prints no notice" "status $rc" "stderr: $err"
	fi

	# After the subcommand, where train takes it (once train exists).
	run - "$LOWWATT" train --help
	if [ "$rc" -eq 0 ]; then
		run "$forced" "$LOWWATT" train --help --blas-core env
		if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
			ok "train --help --blas-core env: no notice"
		else
			not_ok "train --help --blas-core env: no notice" "status $rc" "stderr: $err"
		fi
		run "$forced" "$LOWWATT" train --help
		if [ "$rc" -eq 0 ] && [ "$(lines "$err")" -eq 1 ]; then
			ok "train --help: one notice"
		else
			not_ok "train --help: one notice" "status $rc" "stderr: $err"
		fi
	else
		skip "train --help --blas-core env" "no train command in this build"
	fi
fi

# Bad values: usage errors, one line, with or without the variable.
for value in bogus Haswell ''; do
	run Haswell "$LOWWATT" --version --blas-core "$value"
	if [ "$rc" -eq 2 ] && [ "$(lines "$err")" -eq 1 ] &&
		printf '%s' "$err" | grep -q "expects auto or env, got '$value'"; then
		ok "--blas-core '$value' is a usage error"
	else
		not_ok "--blas-core '$value' is a usage error" "status $rc" "stderr: $err"
	fi
done
run - "$LOWWATT" --version --blas-core
if [ "$rc" -eq 2 ] && [ "$(lines "$err")" -eq 1 ] && printf '%s' "$err" | grep -q "needs a value"; then
	ok "--blas-core without a value is a usage error"
else
	not_ok "--blas-core without a value is a usage error" "status $rc" "stderr: $err"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
