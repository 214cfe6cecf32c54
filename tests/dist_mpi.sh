#!/usr/bin/env bash
# dist_mpi.sh — include/lowwatt/dist.h under mpirun, with 2 and 3 ranks on
# this one machine: every rank sees the job and its host, sums are exact
# (3 x 2^20 floats included), a host's energy is counted once however many
# ranks it runs, rank 0's broadcast reaches all, and a rank that aborts ends
# the job at once, naming itself. Skipped when the build has no MPI.
# Prints TAP.
set -u
B=${B:-build}
PROBE=$B/tests/dist_probe
tmp=$(mktemp -d /tmp/lowwatt-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"

if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$PROBE" ]; then
	echo "1..0 # SKIP no MPI in this build (mpirun or $PROBE missing)"
	exit 0
fi
# Root in CI containers; more ranks than cores on a 2-core machine; no
# network interfaces to probe beyond this host.
mpi=(mpirun --oversubscribe --mca btl self,vader)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)

for np in 2 3; do
	if "${mpi[@]}" -np "$np" "$PROBE" >"$tmp/out" 2>"$tmp/err" </dev/null; then
		out=$(sort "$tmp/out")
		want_sum=$("$PY" -c "n=$np; s=n*(n+1)//2; print('%g %g %g big OK' % (s, 2*s, 3*s))")
		if [ "$(grep -c "^rank [0-9]* of $np: host .* (rank [0-9] of $np, host 0 of 1)$" <<<"$out")" -eq "$np" ] &&
			[ "$(grep -c "^sum [0-9]*: $want_sum$" <<<"$out")" -eq "$np" ] &&
			[ "$(grep -c '^hosts [0-9]*: 10$' <<<"$out")" -eq "$np" ] &&
			[ "$(grep -c '^bcast [0-9]*: 42.5$' <<<"$out")" -eq "$np" ]; then
			ok "$np ranks: one host, exact sums, the host's energy once, rank 0's broadcast"
		else
			not_ok "$np ranks: one host, exact sums, the host's energy once, rank 0's broadcast" "$out" "$(cat "$tmp/err")"
		fi
	else
		not_ok "$np ranks: the probe runs" "$(cat "$tmp/out" "$tmp/err")"
	fi
done

# A rank that fails alone ends the whole job, naming itself.
start=$(date +%s)
"${mpi[@]}" -np 3 "$PROBE" abort 1 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
if [ "$rc" -ne 0 ] && grep -q "^lowwatt: rank 1 on .*: bad data in shard 7$" "$tmp/err" &&
	! grep -q '^bcast' "$tmp/out" && [ $(($(date +%s) - start)) -lt 30 ]; then
	ok "a rank that aborts ends the job at once, naming its rank and host"
else
	not_ok "a rank that aborts ends the job at once, naming its rank and host" "rc $rc" "$(cat "$tmp/err")"
fi

# One process, no launcher: MPI untouched.
if out=$("$PROBE" 2>&1) && grep -q "^rank 0 of 1: host .* (rank 0 of 1, host 0 of 1)$" <<<"$out" &&
	grep -q '^sum 0: 1 2 3 big OK$' <<<"$out"; then
	ok "without mpirun: one process"
else
	not_ok "without mpirun: one process" "$out"
fi
tap_finish
