#!/usr/bin/env bash
# run.sh — what an energy-aware search saves, measured: the 81
# configurations of bench/search/space.json (small masked LMs on Brown:
# d_model x layers x d_ff x learning rate, 3 values each) searched twice,
#
#   grid        every configuration trained to max_steps (the exhaustive
#               search)
#   hyperband   Hyperband's brackets from min_steps to max_steps, eta 3
#               (Li et al. 2018), promoted trials continuing from their
#               checkpoints
#
# and one table: the best validation loss each found, the energy each used
# (at the meter, with its method), their ratios, and Hyperband's own
# estimate of the exhaustive search beside the grid's real cost. The goal
# (issue 7): Hyperband within 2% of grid's best loss for at most a quarter
# of its energy.
#
#   bash bench/search/run.sh            (make data first: data/brown)
#
# Environment: B (build folder, default build), BENCH_MAX_STEPS (540),
# BENCH_MIN_STEPS (20: R = 27, four brackets), BENCH_KEEP (a folder to keep
# both searches in; default: a temporary one, removed). Run it on an idle
# machine: the estimate charges the machine's whole utilisation.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
LOWWATT=$B/lowwatt
MAX=${BENCH_MAX_STEPS:-540}
MIN=${BENCH_MIN_STEPS:-20}
PY=/usr/bin/python3
[ -x "$LOWWATT" ] || { echo "bench/search: build $LOWWATT first (make)" >&2; exit 1; }
[ -f data/brown/train.lwtk ] || { echo "bench/search: make data first" >&2; exit 1; }
if [ -n "${BENCH_KEEP:-}" ]; then
	out=$BENCH_KEEP
	mkdir -p "$out"
else
	out=$(mktemp -d /tmp/lowwatt-bench-search-XXXXXX)
	trap 'rm -rf "$out"' EXIT
fi

echo "bench/search: 81 configurations (bench/search/space.json), max $MAX steps, min $MIN, eta 3"
for strategy in hyperband grid; do
	echo "  searching: $strategy" >&2
	rm -rf "${out:?}/$strategy"
	env -u OPENBLAS_CORETYPE "$LOWWATT" search --space bench/search/space.json \
		--strategy "$strategy" --min-steps "$MIN" --max-steps "$MAX" --eta 3 --seed 1 \
		--out "$out/$strategy" --json >"$out/$strategy.json" 2>"$out/$strategy.log" ||
		{ tail -n 5 "$out/$strategy.log" >&2; exit 1; }
done
"$PY" - "$out" <<'PYEOF'
import csv, json, sys
out = sys.argv[1]
s = {k: json.load(open("%s/%s.json" % (out, k))) for k in ("grid", "hyperband")}
def steps(k):
    rows = list(csv.DictReader(open("%s/%s/trials.csv" % (out, k))))
    last = {}
    for r in rows:
        last[r["trial"]] = int(r["steps"])
    return len(rows), sum(last.values())
print("%-10s %7s %6s %8s %10s %11s %10s %9s  %s" % (
    "strategy", "configs", "rungs", "steps", "best loss", "energy J", "method", "seconds",
    "best configuration"))
for k in ("grid", "hyperband"):
    j = s[k]
    rungs, n = steps(k)
    print("%-10s %7d %6d %8d %10.4f %11.1f %10s %9.0f  %s" % (
        k, j["configurations"], rungs, n, j["best"]["val_loss"], j["energy_j"], j["method"],
        j["seconds"], j["best"]["label"]))
g, h = s["grid"], s["hyperband"]
loss_ratio = h["best"]["val_loss"] / g["best"]["val_loss"]
energy_ratio = h["energy_j"] / g["energy_j"]
print()
print("hyperband / grid: best loss %.4f (%+.2f%%), energy %.3f (%.1f%%)" % (
    loss_ratio, 100 * (loss_ratio - 1), energy_ratio, 100 * energy_ratio))
print("hyperband's estimate of the exhaustive search: %.1f J; the grid used %.1f J (%+.1f%%)" % (
    h["exhaustive"]["energy_j"], g["energy_j"],
    100 * (h["exhaustive"]["energy_j"] / g["energy_j"] - 1)))
met = loss_ratio <= 1.02 and energy_ratio <= 0.25
print("goal (within 2%% of grid's best loss at <= 1/4 of its energy): %s" % ("met" if met else "NOT met"))
PYEOF
