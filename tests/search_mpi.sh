#!/usr/bin/env bash
# search_mpi.sh — `mpirun -np 2 lowwatt search` on this one machine, tiny
# models on a tiny corpus: both ranks train rungs and trials.csv names
# them, no rung runs twice and summary.json lists one host of 2 ranks; the
# machine's energy is counted once (not once per rank), each trial's share
# being half the machine's; a search killed with SIGKILL resumes (with 2
# ranks, or as one process) and ends exactly as the one-process search; a
# budget stops a 2-rank search within it (plus the rungs in flight);
# SIGTERM to every rank (what mpirun does on Ctrl-C) stops every trial
# with its checkpoint, exit 130, and --resume finishes; bad flags are one
# line from rank 0, a non-zero exit and no hang; a rank that cannot set up
# ends the job, naming itself. Skipped when the build has no MPI.
#
# The meter reads a fabricated /proc (a machine whose CPUs never seem busy)
# and no RAPL: a constant 6 W for the whole machine, so energy is time and
# a doubled machine would show as 12 W. Prints TAP.
set -u
B=${B:-build}
LOWWATT=${LOWWATT:-$B/lowwatt}
PY=${PY:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/lowwatt-search-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fake_machine.sh"
. "$(dirname "$0")/lib/tiny_corpus.sh"
. "$(dirname "$0")/lib/search.sh"
unset LOWWATT_REGION

if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$LOWWATT" ] ||
	! lw --version 2>/dev/null | grep -q '^mpi: ' || lw --version | grep -q '^mpi: none'; then
	echo "1..0 # SKIP no MPI in this build (mpirun missing or $LOWWATT built without it)"
	exit 0
fi
mpi=(mpirun --oversubscribe --mca btl self,vader)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
# mpi2 ARGS...: lowwatt search on 2 ranks (env -u: no re-execution).
mpi2() { env -u OPENBLAS_CORETYPE -u LOWWATT_BLAS_ENV "${mpi[@]}" -np 2 "$LOWWATT" search "$@"; }

tiny_corpus_or_stop "$tmp"
fake_machine "$tmp"

space "$tmp/space.json"

# ------------------------------------------------------------ asha, 2 ranks

asha=(--space "$tmp/space.json" --strategy asha --min-steps 6 --max-steps 18 --eta 3 --trials 6)
if run "asha on 2 ranks: runs" mpi2 "${asha[@]}" --out "$tmp/asha"; then
	if [ "$(grep -c '^lowwatt' "$tmp/err")" -eq 0 ] && grep -q '^plan: asha' "$tmp/out" &&
		grep -q '^rank 1: trial' "$tmp/out" && grep -q '^best: trial' "$tmp/out"; then
		ok "asha on 2 ranks: rank 0 alone prints, naming the rank of each rung"
	else
		not_ok "asha on 2 ranks: rank 0 alone prints, naming the rank of each rung" "$out" "$err"
	fi
	ledger_check "asha on 2 ranks: rungs by workers 0 and 1, each once, all finished; one host of 2 ranks" \
		"$tmp/asha" "s['status'] == 'finished' and {r['worker'] for r in rows} == {'0', '1'}
and len({(r['trial'], r['rung']) for r in rows}) == len(rows)
and sum(r['rung'] == '0' for r in rows) == 6 and sum(r['rung'] == '1' for r in rows) >= 2
and all(r['status'] in ('done', 'promoted') for r in rows)
and s['ranks'] == 2 and len(s['hosts']) == 1 and s['hosts'][0]['ranks'] == 2"
	# One machine at 6 W: the search's energy is its meter's, not twice it;
	# each trial's row holds half of what the meter read while it ran.
	ledger_check "the machine's energy counted once: 6 W over the search, not 12; trials 3 W each" \
		"$tmp/asha" "abs(s['energy_j'] - s['hosts'][0]['energy_j']['total']) < 1e-9
and 5.4 < s['hosts'][0]['energy_j']['total'] / s['hosts'][0]['seconds'] < 6.6
and s['hosts'][0]['method']['dram'] == 'estimated' and s['method'] == 'estimated'
and all(2.7 < float(r['energy_j']) / float(r['seconds']) < 3.3 for r in rows)
and sum(float(r['energy_j']) for r in rows) <= s['energy_j']"
fi

# ------------------------------------------------------------ kill -9, resume

# The one-process search is the reference: hyperband's plan is
# synchronous, so any number of ranks ends with its rows.
long=(--space "$tmp/space.json" --strategy hyperband --min-steps 2 --max-steps 162 --eta 3)
run "hyperband as one process (the reference)" lw search "${long[@]}" --out "$tmp/whole"

# kill_during DIR: a 2-rank search killed with SIGKILL (every rank) once 4
# rungs are done; 0 if it was killed mid-way.
kill_during() {
	env -u OPENBLAS_CORETYPE -u LOWWATT_BLAS_ENV "${mpi[@]}" -np 2 "$LOWWATT" search "${long[@]}" \
		--out "$1" >/dev/null 2>&1 </dev/null &
	local pid=$! ranks
	for _ in $(seq 1 500); do
		[ -f "$1/trials.csv" ] && [ "$(grep -c ',done,' "$1/trials.csv")" -ge 4 ] && break
		sleep 0.02
	done
	ranks=$(pgrep -P "$pid")
	# shellcheck disable=SC2086
	[ -n "$ranks" ] && kill -9 $ranks 2>/dev/null
	wait "$pid" 2>/dev/null
	cp "$1/trials.csv" "$1.before.csv"
	[ ! -f "$1/summary.json" ]
}
for how in "2 ranks" "one process"; do
	dir=$tmp/killed-${how// /-}
	if ! kill_during "$dir"; then
		not_ok "kill -9, resume with $how" "the search had finished before the kill"
		continue
	fi
	if [ "$how" = "2 ranks" ]; then
		run "kill -9 during a 2-rank search, then --resume with 2 ranks" mpi2 --out "$dir" --resume
	else
		run "kill -9 during a 2-rank search, then --resume as one process" lw search --out "$dir" --resume
	fi && ledger_check "killed, resumed with $how: every planned rung once, as the one-process search; finished rungs kept" \
		"$dir" "s['status'] == 'finished' and same('$tmp/whole/trials.csv') and kept('$dir.before.csv')
and len({(r['trial'], r['rung']) for r in rows}) == len(rows)"
done

# ------------------------------------------------------------ budget

E=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["energy_j"])' "$tmp/whole/summary.json")
kwh=$("$PY" -c "print($E / 3 / 3.6e6)")
if run "budget: a 2-rank search with a third of the search's energy" mpi2 "${long[@]}" \
	--out "$tmp/budget" --budget-kwh "$kwh"; then
	if grep -q '^budget: trial .* no more rungs start' "$tmp/out" &&
		grep -q 'stopped by its budget' "$tmp/out"; then
		ok "budget: says where it stopped and why"
	else
		not_ok "budget: says where it stopped and why" "$out"
	fi
	# At most the budget (and the estimates' error) plus what the rungs in
	# flight spent after it was reached: the machine ran them side by side,
	# for at most as long as the longest rung, whose row holds half of the
	# machine's energy over that time.
	ledger_check "budget: within it plus the rungs in flight; one rung marked stopped" "$tmp/budget" \
		"s['status'] == 'budget' and 0 < s['energy_j']
and s['energy_j'] * s['pue'] / 3.6e6 <= $kwh * 1.05 + 2 * rung_j_max() * s['pue'] / 3.6e6
and sum(r['status'] == 'stopped' for r in rows) == 1
and not any(r['status'] in ('running', 'pending') for r in rows)"
	cp "$tmp/budget/trials.csv" "$tmp/budget.before.csv"
	if run "budget: --resume as one process, without the budget, finishes" \
		lw search --out "$tmp/budget" --resume; then
		ledger_check "budget: resumed to the one-process search's end; finished rows untouched" \
			"$tmp/budget" "s['status'] == 'finished' and same('$tmp/whole/trials.csv')
and kept('$tmp/budget.before.csv') and 'hosts' not in s"
	fi
fi

# ------------------------------------------------------------ signals

# Two trials of a larger model (a few seconds each), one per rank; SIGTERM
# to both ranks, as mpirun sends it on Ctrl-C.
larger_space "$tmp/larger.json"
env -u OPENBLAS_CORETYPE -u LOWWATT_BLAS_ENV "${mpi[@]}" -np 2 "$LOWWATT" search \
	--space "$tmp/larger.json" --strategy random --trials 2 --max-steps 60 --out "$tmp/sig" \
	>"$tmp/sig.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 500); do
	[ -f "$tmp/sig/trials.csv" ] && [ "$(grep -c ',running,' "$tmp/sig/trials.csv")" -ge 2 ] && break
	sleep 0.02
done
sleep 0.5
ranks=$(pgrep -P "$pid")
# shellcheck disable=SC2086
[ -n "$ranks" ] && kill -TERM $ranks
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && [ "$(grep -c 'stopped by a signal  \[' "$tmp/sig.out")" -eq 2 ] &&
	[ "$(grep -c ',running,' "$tmp/sig/trials.csv")" -eq 2 ] &&
	[ -f "$tmp/sig/trials/0/checkpoint.lwck" ] && [ -f "$tmp/sig/trials/1/checkpoint.lwck" ] &&
	grep -q '"status": "signal"' "$tmp/sig/summary.json"; then
	ok "SIGTERM to both ranks: both trials stop with their checkpoints; ledger and summary written; exit 130"
else
	not_ok "SIGTERM to both ranks: both trials stop with their checkpoints; ledger and summary written; exit 130" \
		"rc $rc" "$(cat "$tmp/sig.out")"
fi
if run "SIGTERM, then --resume with 2 ranks" mpi2 --out "$tmp/sig" --resume; then
	ledger_check "interrupted and resumed: both trials trained to 60 steps" "$tmp/sig" \
		"s['status'] == 'finished' and [(r['steps'], r['status']) for r in rows] == [('60', 'done')] * 2"
fi

# ------------------------------------------------------------ bad input

# bad_flags NAME PATTERN FLAGS...: exactly one line of lowwatt's on stderr
# (mpirun adds its own), a non-zero exit, within 30 s.
bad_flags() {
	local name=$1 pattern=$2 start rc lines
	shift 2
	start=$(date +%s)
	timeout 60 env -u OPENBLAS_CORETYPE "${mpi[@]}" -np 2 "$LOWWATT" search "$@" \
		>"$tmp/bad.out" 2>"$tmp/bad.err" </dev/null
	rc=$?
	lines=$(grep -c '^lowwatt' "$tmp/bad.err")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && grep -q "^lowwatt search: .*$pattern" "$tmp/bad.err" &&
		[ ! -s "$tmp/bad.out" ] && [ $(($(date +%s) - start)) -lt 30 ]; then
		ok "$name"
	else
		not_ok "$name" "rc $rc, $lines lines of lowwatt's" "$(cat "$tmp/bad.err")"
	fi
}
bad_flags "bad flags on 2 ranks: an unknown strategy" "--strategy beam" \
	--space "$tmp/space.json" --strategy beam --out "$tmp/bad"
bad_flags "bad flags on 2 ranks: a new search into an old one" "already holds a search" \
	"${asha[@]}" --out "$tmp/asha"
bad_flags "bad flags on 2 ranks: --resume with another plan" "--eta 4 differs" \
	--resume --out "$tmp/asha" --eta 4
if [ ! -e "$tmp/bad" ]; then ok "bad flags: no search directory made"; else not_ok "bad flags: no search directory made"; fi

# A rank that cannot set up (here: rank 1 finds no /proc for its meter)
# ends the whole job at once, naming itself.
start=$(date +%s)
timeout 60 env -u OPENBLAS_CORETYPE "${mpi[@]}" -np 1 "$LOWWATT" search "${asha[@]}" --out "$tmp/fail" \
	: -np 1 env LOWWATT_PROCFS="$tmp/noproc" "$LOWWATT" search "${asha[@]}" --out "$tmp/fail" \
	>"$tmp/fail.out" 2>"$tmp/fail.err" </dev/null
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ $(($(date +%s) - start)) -lt 30 ] &&
	[ "$(grep -c '^lowwatt' "$tmp/fail.err")" -eq 1 ] &&
	grep -q "^lowwatt: rank 1 on .*: $tmp/noproc/.*No such file" "$tmp/fail.err"; then
	ok "a rank that cannot set up ends the job at once, naming its rank and host"
else
	not_ok "a rank that cannot set up ends the job at once, naming its rank and host" "rc $rc" \
		"$(cat "$tmp/fail.err")"
fi

tap_finish
