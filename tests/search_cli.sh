#!/usr/bin/env bash
# search_cli.sh — `lowwatt search` end to end on a tiny corpus and tiny
# models: the five strategies run and report (trials.csv, summary.json,
# report.html), a promoted trial continues from its checkpoint (its final
# loss is that of one uninterrupted training run), budgets stop a search
# within them and a resume with a larger one finishes it, a search killed
# with SIGKILL or stopped with SIGINT resumes without retraining finished
# trials and ends as the uninterrupted one, and every bad space or flag is
# one line and a non-zero exit before anything trains.
#
# The meter reads a fabricated /proc (a machine whose CPUs never seem busy)
# and no RAPL: a constant 6 W, so energy is time and the checks hold on a
# loaded machine. Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
PY=${PY:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/lowwatt-search-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fake_machine.sh"
. "$(dirname "$0")/lib/tiny_corpus.sh"
. "$(dirname "$0")/lib/search.sh"
unset LOWWATT_REGION

tiny_corpus_or_stop "$tmp"
fake_machine "$tmp"

space "$tmp/space.json"
steps=(--min-steps 2 --max-steps 18 --eta 3)

# --------------------------------------------------------------- strategies

# Every strategy: its rows, statuses, summary arithmetic, report.
common='s["status"] == "finished" and s["best"]["steps"] == 18
and abs(s["energy_j"] - sum(float(r["energy_j"]) for r in last.values())) < 1e-6 * s["energy_j"]
and s["method"] == "estimated"
and abs(s["co2e_g"] - s["energy_j"] * s["intensity_g_per_kwh"] / 3.6e6) < 1e-9 + 1e-6 * s["co2e_g"]
and [p["energy_j"] for p in s["pareto_front"]] == sorted(p["energy_j"] for p in s["pareto_front"])
and all(a["val_loss"] > b["val_loss"] for a, b in zip(s["pareto_front"], s["pareto_front"][1:]))
and abs(s["best"]["val_loss"] - min(float(r["val_loss"]) for r in rows if r["val_loss"] and int(r["steps"]) == 18)) < 1e-7
and s["exhaustive"]["configurations"] == 6 and s["exhaustive"]["basis"] == "grid"
and abs(s["exhaustive"]["ratio"] / (s["energy_j"] / s["exhaustive"]["energy_j"]) - 1) < 1e-6
and all(r["method"] == "estimated" and r["worker"] == "0" for r in rows)'
for case in "grid::6 rows, 18 steps each:len(rows) == 6 and all(r['steps'] == '18' and r['status'] == 'done' for r in rows)" \
	"random:--trials 3:3 distinct configurations:len(rows) == 3 and len({r['config'] for r in rows}) == 3" \
	"sh::6 at 6 steps, 2 promoted to 18:[r['steps'] for r in rows if r['rung'] == '0'] == ['6'] * 6 and sum(r['rung'] == '1' for r in rows) == 2" \
	"hyperband::brackets of 9, 5 and 3 configurations:[sum(r['bracket'] == str(b) and r['rung'] == '0' for r in rows) for b in (2, 1, 0)] == [9, 5, 3]" \
	"asha:--min-steps 6 --trials 6:6 configurations, the top third promoted:sum(r['rung'] == '0' for r in rows) == 6 and sum(r['rung'] == '1' for r in rows) >= 2"; do
	IFS=: read -r strategy extra what expr <<<"$case"
	dir=$tmp/$strategy
	# shellcheck disable=SC2086
	if run "$strategy: runs" lw search --space "$tmp/space.json" --strategy "$strategy" "${steps[@]}" \
		$extra --out "$dir"; then
		if printf '%s\n' "$out" | grep -q "^plan: $strategy" &&
			printf '%s\n' "$out" | grep -q '^best: trial [0-9]*, val loss .* after 18 steps' &&
			printf '%s\n' "$out" | grep -q '^energy: .* J (estimated) .* gCO2e at 480 g/kWh' &&
			printf '%s\n' "$out" | tail -n1 | grep -qx "report: $dir/report.html" &&
			[ -s "$dir/report.html" ] && ! grep -qi '<script' "$dir/report.html"; then
			ok "$strategy: plan, best, energy and the report"
		else
			not_ok "$strategy: plan, best, energy and the report" "$out"
		fi
		ledger_check "$strategy: $what; summary arithmetic" "$dir" "($expr) and $common"
	fi
done

# Promoted trials continue from their checkpoint: sh's best trained 6 steps,
# then 12 more; one straight run of its settings ends at the same loss.
best=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["best"]["run_dir"])' "$tmp/sh/summary.json")
if run "a promoted trial's settings train again" lw train --config "$tmp/sh/$best/config.json" \
	--out "$tmp/again" --name best --json; then
	json_check "the straight run ends at the promoted trial's loss, bit for bit" \
		"$tmp/again/best/summary.json" \
		'j["steps"] == 18 and j["val_loss"] == json.load(open(a[0]))["best"]["val_loss"]' \
		"$tmp/sh/summary.json"
fi
if "$PY" - "$tmp/sh/$best/metrics.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
steps = [int(r["step"]) for r in rows]
e = [float(r["energy_j"]) for r in rows]
assert steps == sorted(steps) and steps[-1] == 18 and 6 in steps, steps
assert e == sorted(e), e
EOF
then ok "the promoted trial's metrics.csv runs on from step 6 to 18, energy cumulative"
else not_ok "the promoted trial's metrics.csv runs on from step 6 to 18, energy cumulative"; fi

if run "--json: the summary alone on stdout" lw search --space "$tmp/space.json" --strategy random \
	--trials 2 "${steps[@]}" --out "$tmp/json" --json; then
	if printf '%s' "$out" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); assert j["strategy"] == "random" and j["configurations"] == 2'; then
		ok "--json: stdout is one JSON document"
	else
		not_ok "--json: stdout is one JSON document" "$out"
	fi
fi

# --------------------------------------------------------------- budgets

# The full hyperband search used E joules; a budget of a third stops it.
E=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["energy_j"])' "$tmp/hyperband/summary.json")
kwh=$("$PY" -c "print($E / 3 / 3.6e6)")
if run "budget: a third of the search's energy" lw search --space "$tmp/space.json" \
	--strategy hyperband "${steps[@]}" --out "$tmp/budget" --budget-kwh "$kwh"; then
	if printf '%s\n' "$out" | grep -qE '^budget: trial .* the search stops here|stopped by the budget' &&
		printf '%s\n' "$out" | grep -q 'stopped by its budget'; then
		ok "budget: says where it stopped and why"
	else
		not_ok "budget: says where it stopped and why" "$out"
	fi
	# At most the budget plus the one rung that was running.
	ledger_check "budget: within the budget (plus at most one rung), status budget" "$tmp/budget" \
		"s['status'] == 'budget' and s['budget']['kwh'] > 0
and s['energy_j'] * s['pue'] / 3.6e6 <= $kwh * 1.05 and 0 < s['energy_j']
and sum(r['status'] == 'stopped' for r in rows) == 1"
	cp "$tmp/budget/trials.csv" "$tmp/budget.before.csv"
	if run "budget: --resume without a budget finishes" lw search --out "$tmp/budget" --resume; then
		ledger_check "budget: resumed to the end; rows finished before are untouched" "$tmp/budget" \
			"s['status'] == 'finished' and len(rows) == len(list(csv.DictReader(open('$tmp/hyperband/trials.csv'))))
and kept('$tmp/budget.before.csv')"
	fi
fi
if run "budget in gCO2e" lw search --space "$tmp/space.json" --strategy grid "${steps[@]}" \
	--out "$tmp/co2e" --budget-co2e-g 1e-9; then
	ledger_check "a budget below one step's CO2e: the trainer stops the first rung at once" "$tmp/co2e" \
		"s['status'] == 'budget' and s['budget']['co2e_g'] == 1e-9 and s['best'] is None
and [(r['status'], int(r['steps']) < 18) for r in rows] == [('stopped', True)]"
fi

# --------------------------------------------------------------- kill, signal

# SIGKILL in the middle of a longer search (a thousand steps or so);
# --resume ends exactly as the uninterrupted one.
long=(--min-steps 2 --max-steps 162 --eta 3)
run "a longer hyperband search" lw search --space "$tmp/space.json" --strategy hyperband \
	"${long[@]}" --out "$tmp/whole"
# (Not through lw, a shell function: $! must be lowwatt's own process.)
env -u OPENBLAS_CORETYPE "$LOWWATT" search --space "$tmp/space.json" --strategy hyperband \
	"${long[@]}" --out "$tmp/killed" >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 400); do
	[ -f "$tmp/killed/trials.csv" ] && [ "$(grep -c ',done,' "$tmp/killed/trials.csv")" -ge 4 ] && break
	sleep 0.02
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
cp "$tmp/killed/trials.csv" "$tmp/killed.before.csv"
if [ -f "$tmp/killed/summary.json" ]; then
	not_ok "kill -9 in the middle of the search" "the search had finished before the kill"
elif run "kill -9, then --resume" lw search --out "$tmp/killed" --resume; then
	ledger_check "killed and resumed: the same trials, rungs and losses as uninterrupted; finished ones not retrained" \
		"$tmp/killed" "s['status'] == 'finished'
and [(r['trial'], r['rung'], r['status'], r['val_loss']) for r in rows] ==
    [(r['trial'], r['rung'], r['status'], r['val_loss']) for r in csv.DictReader(open('$tmp/whole/trials.csv'))]
and kept('$tmp/killed.before.csv')"
fi

# SIGINT during a trial (one of a larger model, a few seconds long): it
# stops at once with its checkpoint, exit 130; --resume finishes it.
larger_space "$tmp/larger.json"
env -u OPENBLAS_CORETYPE "$LOWWATT" search --space "$tmp/larger.json" --strategy random \
	--trials 1 --max-steps 60 --out "$tmp/sigint" >"$tmp/sigint.out" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 400); do
	[ -f "$tmp/sigint/trials.csv" ] && grep -q ',running,' "$tmp/sigint/trials.csv" && break
	sleep 0.02
done
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ] && grep -q 'stopped by a signal' "$tmp/sigint.out" &&
	grep -q ',running,' "$tmp/sigint/trials.csv" && [ -f "$tmp/sigint/trials/0/checkpoint.lwck" ]; then
	ok "SIGINT: the trial stops cleanly with its checkpoint, exit 130"
else
	not_ok "SIGINT: the trial stops cleanly with its checkpoint, exit 130" "rc $rc" "$(cat "$tmp/sigint.out")"
fi
if run "SIGINT, then --resume" lw search --out "$tmp/sigint" --resume; then
	ledger_check "interrupted and resumed: the trial trained to 60 steps" "$tmp/sigint" \
		"s['status'] == 'finished' and [(r['steps'], r['status']) for r in rows] == [('60', 'done')]"
fi

# --------------------------------------------------------------- bad input

bad() {  # bad NAME STATUS PATTERN SPACE-EXTRA-OR-FILE [FLAGS...]
	local name=$1 status=$2 pattern=$3 extra=$4
	shift 4
	space "$tmp/bad.json" "$extra"
	expect_error "$name" "$status" "$pattern" "$tmp/bad-out" -- \
		env -u OPENBLAS_CORETYPE "$LOWWATT" search --space "$tmp/bad.json" --strategy grid \
		"${steps[@]}" --out "$tmp/bad-out" "$@"
}
bad "an unknown setting" 1 "'learning_rate'" ', "learning_rate": [0.1]'
bad "an empty choice list" 1 "'weight_decay'.*empty" ', "weight_decay": []'
bad "an inverted range" 1 "inverted range" ', "weight_decay": {"min": 0.1, "max": 0.01}'
bad "heads not dividing d_model" 1 "heads" ', "heads": [3]'
bad "steps in the space" 1 "max-steps" ', "steps": [10, 20]'
bad "data as a dimension" 1 "'data' cannot vary" ', "data": ["a", "b"]'
bad "grid over a range" 2 "grid needs choice lists" ', "clip": {"min": 0.5, "max": 1.0}'
bad "an unknown strategy" 2 "--strategy beam" '' --strategy beam
bad "both budgets" 2 "not both" '' --budget-kwh 1 --budget-co2e-g 1
bad "--min-steps above --max-steps" 2 "max" '' --strategy hyperband --min-steps 20
bad "more grid trials than points" 2 "the grid has 6 points" '' --trials 7
bad "eta 1" 2 "--eta" '' --eta 1
printf '{"d_model": [16,' >"$tmp/broken.json"
expect_error "a space that is not JSON" 1 "broken.json" "$tmp/bad-out" -- \
	"$LOWWATT" search --space "$tmp/broken.json" --strategy grid --out "$tmp/bad-out"
expect_error "a missing space file" 1 "nowhere.json" "$tmp/bad-out" -- \
	"$LOWWATT" search --space "$tmp/nowhere.json" --strategy grid --out "$tmp/bad-out"
expect_error "no --space" 2 "give --space" "$tmp/bad-out" -- \
	"$LOWWATT" search --strategy grid --out "$tmp/bad-out"
expect_error "--resume without --out" 2 "needs --out" - -- "$LOWWATT" search --resume
expect_error "--resume of a folder with no search" 1 "search.json" - -- \
	"$LOWWATT" search --resume --out "$tmp/data"
expect_error "a new search into an old one" 1 "already holds a search" - -- \
	"$LOWWATT" search --space "$tmp/space.json" --strategy grid --out "$tmp/grid"
expect_error "--resume with another plan" 2 "--eta 4 differs" - -- \
	"$LOWWATT" search --resume --out "$tmp/grid" --eta 4
sed -i '2s/""lr"":/""lr"":1/' "$tmp/random/trials.csv"
expect_error "--resume of an edited ledger" 1 "trial 0's configuration is not the one" - -- \
	"$LOWWATT" search --resume --out "$tmp/random"

tap_finish
