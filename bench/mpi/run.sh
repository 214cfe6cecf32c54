#!/usr/bin/env bash
# run.sh — data-parallel training on this machine, measured: the same
# masked LM on Brown (4 layers, d_model 256, seq 128, global batch 16)
# trained three ways, one thread per process:
#
#   1 process   --threads 1
#   2 ranks     mpirun -np 2, each rank 8 rows of every batch, the
#               gradients' all-reduce overlapped with backward (buckets
#               started as each layer's gradients are final)
#   2 ranks     the same with LOWWATT_ALLREDUCE=end: one blocking
#   at end      all-reduce after backward
#
# and one table: tokens/s and the ratio to one process, the all-reduce's
# time per step left on the step's path (summary.json's allreduce_s over
# the steps), and the fraction of the blocking all-reduce that the overlap
# hides: 1 - overlapped / at end.
#
#   bash bench/mpi/run.sh            (make data first: data/brown)
#
# Environment: B (build folder, default build), BENCH_STEPS (60),
# BENCH_REPEAT (2: each configuration's best of this many runs). Run it on
# an idle machine: two ranks need both cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
LOWWATT=$B/lowwatt
STEPS=${BENCH_STEPS:-60}
REPEAT=${BENCH_REPEAT:-2}
PY=/usr/bin/python3
[ -x "$LOWWATT" ] || { echo "bench/mpi: build $LOWWATT first (make)" >&2; exit 1; }
[ -f data/brown/train.lwtk ] || { echo "bench/mpi: make data first" >&2; exit 1; }
# OpenBLAS at its best on this CPU (the machine presets Haswell kernels).
unset OPENBLAS_CORETYPE
"$LOWWATT" --version | grep -q '^mpi: Open MPI' ||
	{ echo "bench/mpi: this lowwatt was built without MPI" >&2; exit 1; }
out=$(mktemp -d /tmp/lowwatt-bench-mpi-XXXXXX)
trap 'rm -rf "$out"' EXIT
mpi=(mpirun --mca btl self,vader --bind-to core)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
model=(--layers 4 --d-model 256 --heads 4 --d-ff 1024 --seq 128 --batch 16 --threads 1
	--steps "$STEPS" --eval-every 0 --eval-batches 1 --log-every 10 --out "$out" --json)

# run LABEL NP [ENV...]: REPEAT runs; the summary of the fastest is kept.
run() {
	local label=$1 np=$2
	shift 2
	for k in $(seq 1 "$REPEAT"); do
		if [ "$np" -eq 1 ]; then
			env "$@" "$LOWWATT" train "${model[@]}" --name "$label-$k" \
				>"$out/$label-$k.json" 2>"$out/$label-$k.err"
		else
			env "$@" "${mpi[@]}" -np "$np" "$LOWWATT" train "${model[@]}" --name "$label-$k" \
				>"$out/$label-$k.json" 2>"$out/$label-$k.err"
		fi
	done
}

echo "bench/mpi: $STEPS steps of a 4-layer d_model 256 masked LM, batch 16 x 128, best of $REPEAT"
run one 1
run overlap 2
run end 2 LOWWATT_ALLREDUCE=end
"$PY" - "$out" "$REPEAT" "$STEPS" <<'EOF'
import json, sys
out, repeat, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def best(label):
    runs = [json.load(open("%s/%s-%d.json" % (out, label, k))) for k in range(1, repeat + 1)]
    return max(runs, key=lambda j: j["tokens_per_s"])
one, overlap, end = best("one"), best("overlap"), best("end")
def ms(j):
    return 1000.0 * j["allreduce_s"] / steps if j["allreduce_s"] is not None else float("nan")
print("%-28s %12s %8s %20s" % ("", "tokens/s", "ratio", "all-reduce ms/step"))
print("%-28s %12.0f %8.2f %20s" % ("1 process, 1 thread", one["tokens_per_s"], 1.0, "-"))
for name, j in (("2 ranks, overlapped", overlap), ("2 ranks, all-reduce at end", end)):
    print("%-28s %12.0f %8.2f %20.2f" % (name, j["tokens_per_s"],
                                         j["tokens_per_s"] / one["tokens_per_s"], ms(j)))
hidden = 1.0 - ms(overlap) / ms(end) if ms(end) > 0 else float("nan")
print("all-reduce hidden behind backward: %.0f%% (%.2f of %.2f ms per step left)" %
      (100.0 * hidden, ms(overlap), ms(end)))
print("parameters %d (%.1f MB of gradients per step); energy per 1k tokens: 1 process %.3g J, "
      "2 ranks %.3g J (%s)" % (one["params"], 4e-6 * one["params"],
      1000.0 * one["energy_j"]["total"] / one["tokens"],
      1000.0 * overlap["energy_j"]["total"] / overlap["tokens"], overlap["method"]["cpu"]))
EOF
