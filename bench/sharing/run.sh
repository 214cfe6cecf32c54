#!/usr/bin/env bash
# run.sh — what weight sharing buys, measured: the default masked LM on
# Brown trained with the same steps, seed and data by every sharing scheme,
# one table of what each keeps and what each costs.
#
#   bash bench/sharing/run.sh            (make data first: data/brown)
#
# Environment: B (build folder, default build), BENCH_STEPS (default 300),
# BENCH_THREADS (default 2). Runs go to a temporary folder, removed after.
#
# Configurations (the default model of `lowwatt train`: 4 layers, d_model
# 192, 4 heads, d_ff 768, rows of 32, batch 128):
#   none      the unshared baseline
#   all       every layer uses the first layer's weight matrices (ALBERT)
#   attn      the attention matrices shared, the MLP's per layer
#   ffn       the MLP's matrices shared, attention's per layer
#   bank50 bank25 bank10   the layers' matrices made from a parameter bank of
#             50%, 25% and 10% of the baseline's parameters (4 templates)
#   deep8     8 layers in 4 pairs sharing all matrices: twice the depth for
#             the baseline's parameter count
#
# Columns: physical parameters (trained and saved) and logical ones (what
# the layers use), the checkpoint's size, the validation loss after the
# last step, the training energy at the meter (J, with its method), and
# inference energy per 1,000 validation sequences (the final evaluation's).
# Sharing saves memory and storage, not arithmetic: every layer still does
# its full matrix products, so energy per step stays that of the logical
# model.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
LOWWATT=$B/lowwatt
STEPS=${BENCH_STEPS:-300}
THREADS=${BENCH_THREADS:-2}
PY=/usr/bin/python3
[ -x "$LOWWATT" ] || { echo "bench/sharing: build $LOWWATT first (make)" >&2; exit 1; }
[ -f data/brown/train.lwtk ] || { echo "bench/sharing: make data first" >&2; exit 1; }
out=$(mktemp -d /tmp/lowwatt-bench-sharing-XXXXXX)
trap 'rm -rf "$out"' EXIT

configs=(
	"none|"
	"all|--share all"
	"attn|--share attn"
	"ffn|--share ffn"
	"bank50|--param-budget 50%"
	"bank25|--param-budget 25%"
	"bank10|--param-budget 10%"
	"deep8|--layers 8 --share all --share-groups 4"
)
echo "bench/sharing: $STEPS steps each, seed 1, $THREADS threads, the default masked LM on Brown"
for c in "${configs[@]}"; do
	name=${c%%|*}
	flags=${c#*|}
	echo "  training $name ${flags:+($flags)}" >&2
	# shellcheck disable=SC2086
	env -u OPENBLAS_CORETYPE "$LOWWATT" train --steps "$STEPS" --warmup 30 --eval-every 0 \
		--save-every 0 --threads "$THREADS" --out "$out" --name "$name" --json $flags \
		>"$out/$name.json" 2>"$out/$name.err" || { cat "$out/$name.err" >&2; exit 1; }
done
"$PY" - "$out" "${configs[@]}" <<'PYEOF'
import json, sys
out, configs = sys.argv[1], [c.split("|")[0] for c in sys.argv[2:]]
rows = [(n, json.load(open("%s/%s.json" % (out, n)))) for n in configs]
base = rows[0][1]

def method(m):
    kinds = set(v for v in m.values() if v != "none")
    return kinds.pop() if len(kinds) == 1 else "mixed"

print("%-8s %11s %11s %8s %9s %9s %12s %11s %14s" % (
    "scheme", "physical", "logical", "of base", "ckpt MB", "val loss", "train J", "method",
    "infer J/1k seq"))
for n, j in rows:
    print("%-8s %11s %11s %7.0f%% %9.1f %9.4f %12.1f %11s %14.2f" % (
        n, "{:,}".format(j["params"]), "{:,}".format(j["logical_params"]),
        100.0 * j["params"] / base["params"], j["checkpoint_bytes"] / 1e6, j["val_loss"],
        j["energy_j"]["total"], method(j["method"]),
        j["infer_j_per_1000_seq"]))
PYEOF
