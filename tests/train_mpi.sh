#!/usr/bin/env bash
# train_mpi.sh — data-parallel `lowwatt train` under mpirun with 2 and 3
# ranks on this one machine:
#   equivalence  K ranks with the global batch B end where one process with
#                batch B ends: every step's loss within 1e-5 relative, the
#                parameters and AdamW moments within 1e-5 in norm
#                (tests/mpi/ckpt_compare.c), for masked and causal models,
#                gradient accumulation, shared layers and a parameter bank,
#                with the all-reduce overlapped or at the end;
#   resume       a run stopped with 2 ranks resumes with 3 (and with 1) and
#                ends where the uninterrupted run ends;
#   failure      a rank with bad data, or killed, ends the whole job with a
#                line naming the rank and host; the checkpoint stays intact
#                and resumes;
#   energy       two ranks on one machine report that machine once: the
#                meter reads a fabricated /proc whose estimate is a constant
#                power, and the run's average power stays that power;
#   errors       more ranks than rows, ranks with different settings, and
#                commands that do not run under mpirun: one line, non-zero,
#                no hang.
# Skipped when the build has no MPI. Prints TAP.
set -u
B=${B:-build}
LOWWATT=${LOWWATT:-$B/lowwatt}
COMPARE=$B/tests/ckpt_compare
tmp=$(mktemp -d /tmp/lowwatt-trainmpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fake_machine.sh"
. "$(dirname "$0")/lib/tiny_corpus.sh"
unset LOWWATT_REGION OPENBLAS_CORETYPE LOWWATT_BLAS_ENV

if ! command -v mpirun >/dev/null 2>&1 || ! "$LOWWATT" --version | grep -q '^mpi: Open MPI'; then
	echo "1..0 # SKIP no MPI in this build"
	exit 0
fi
tiny_corpus_or_stop "$tmp"
# More ranks than cores; no network beyond this host; root in CI.
mpi=(timeout 300 mpirun --oversubscribe --mca btl self,vader)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
# The estimate of a machine whose CPUs never seem busy: a constant power.
fake_machine "$tmp"

runs=$tmp/runs
base=(--layers 2 --d-model 32 --heads 2 --d-ff 64 --seq 16 --batch 6 --eval-batches 2
	--threads 1 --data "$tmp/data" --tokenizer "$tmp/tok.lwtok" --out "$runs" --log-every 1)

# json_check_quiet FILE EXPR: FILE's JSON j makes the Python EXPR true.
json_check_quiet() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' \
		"$1" "$2" 2>/dev/null
}

# train NP NAME FLAGS...: one process (NP 1) or NP ranks.
train() {
	local np=$1
	shift
	if [ "$np" -eq 1 ]; then
		"$LOWWATT" train "$@"
	else
		"${mpi[@]}" -np "$np" "$LOWWATT" train "$@"
	fi
}

# same_run NAME A B: runs A and B logged the same losses (1e-5 relative)
# and ended with the same parameters and moments (1e-5 in norm).
same_run() {
	local name=$1 a=$runs/$2 b=$runs/$3 cmp
	cmp=$("$COMPARE" "$a/checkpoint.lwck" "$b/checkpoint.lwck" 2>&1)
	if "$PY" - "$a/metrics.csv" "$b/metrics.csv" "$cmp" <<'EOF'; then
import csv, sys
rows = [list(csv.DictReader(open(p))) for p in sys.argv[1:3]]
a, b = rows
assert len(a) == len(b) and len(a) > 0, "rows: %d against %d" % (len(a), len(b))
for x, y in zip(a, b):
    assert x["step"] == y["step"] and x["tokens"] == y["tokens"], (x, y)
    for k in ("loss", "val_loss"):
        if x[k] and y[k]:  # a stopped run evaluates where the other did not
            u, v = float(x[k]), float(y[k])
            assert abs(u - v) <= 1e-5 * abs(v), "step %s %s: %r against %r" % (x["step"], k, u, v)
w = sys.argv[3].split()
assert w[0] == "step" and float(w[3]) <= 1e-5 and float(w[5]) <= 1e-5, sys.argv[3]
EOF
		ok "$name ($cmp)"
	else
		not_ok "$name" "$cmp"
	fi
}

# ------------------------------------------------------------ equivalence

# name | flags: masked LM with two evaluations; causal LM with gradient
# accumulation; layers sharing their weights; a parameter bank.
cases=(
	"mlm|--steps 8 --eval-every 4"
	"clm|--arch clm --steps 6 --accum 2"
	"shared|--steps 6 --share all --layers 3"
	"bank|--steps 6 --param-budget 50%"
)
for c in "${cases[@]}"; do
	label=${c%%|*}
	read -r -a flags <<<"${c#*|}"
	train 1 "${base[@]}" "${flags[@]}" --name "$label-1" >/dev/null 2>"$tmp/err" ||
		not_ok "$label: one process trains" "$(cat "$tmp/err")"
	for np in 2 3; do
		if train "$np" "${base[@]}" "${flags[@]}" --name "$label-$np" >/dev/null 2>"$tmp/err"; then
			same_run "$label: $np ranks end where one process ends" "$label-$np" "$label-1"
		else
			not_ok "$label: $np ranks train" "$(tail -3 "$tmp/err")"
		fi
	done
done
if LOWWATT_ALLREDUCE=end train 3 "${base[@]}" --steps 8 --eval-every 4 --name mlm-end \
	>/dev/null 2>"$tmp/err"; then
	same_run "the all-reduce at the end of backward, not overlapped: the same run" mlm-end mlm-1
else
	not_ok "3 ranks, all-reduce at the end" "$(tail -3 "$tmp/err")"
fi

# ------------------------------------------------------------ resume

if train 2 "${base[@]}" --steps 8 --eval-every 4 --name resumed --stop-at 3 >"$tmp/out" 2>&1 &&
	grep -q 'stopped at step 3 (--stop-at)' "$tmp/out" &&
	train 3 "${base[@]}" --steps 8 --eval-every 4 --name resumed --resume --stop-at 6 \
		>/dev/null 2>&1 &&
	train 1 "${base[@]}" --steps 8 --eval-every 4 --name resumed --resume >/dev/null 2>&1; then
	same_run "stopped with 2 ranks, resumed with 3, then with 1: the uninterrupted run" \
		resumed mlm-1
else
	not_ok "a 2-rank run stops at step 3 and resumes with 3 ranks and 1" "$(tail -5 "$tmp/out")"
fi

# ------------------------------------------------------------ failure

# A rank whose data is bad: the job ends, naming rank 1 and this host; the
# checkpoint the run had is untouched and still resumes.
mkdir -p "$tmp/bad"
cp "$tmp/data/val.lwtk" "$tmp/bad/val.lwtk"
head -c 100 "$tmp/data/train.lwtk" >"$tmp/bad/train.lwtk"
train 2 "${base[@]}" --steps 8 --name broken --stop-at 4 >/dev/null 2>&1
sum=$(sha256sum "$runs/broken/checkpoint.lwck")
one=("${base[@]}" --steps 8 --name broken --resume)
start=$(date +%s)
"${mpi[@]}" -np 1 "$LOWWATT" train "${one[@]}" : -np 1 "$LOWWATT" train "${one[@]}" \
	--data "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "^lowwatt: rank 1 on $(hostname): cannot read its data" "$tmp/err" &&
	[ "$(sha256sum "$runs/broken/checkpoint.lwck")" = "$sum" ] &&
	[ $(($(date +%s) - start)) -lt 60 ]; then
	ok "a rank with bad data ends the job, naming rank 1 and its host; the checkpoint is untouched"
else
	not_ok "a rank with bad data ends the job, naming rank 1 and its host" "rc $rc" \
		"$(cat "$tmp/err")"
fi

# A rank killed in the middle of a run: the job ends (mpirun names the
# rank and host), the last checkpoint is whole and the run resumes.
long=("${base[@]}" --steps 100000 --save-every 20 --eval-every 0 --log-every 100 --name killed)
"${mpi[@]}" -np 2 "$LOWWATT" train "${long[@]}" >"$tmp/out" 2>"$tmp/err" &
job=$!
victim=
for _ in $(seq 1 600); do
	if [ -f "$runs/killed/checkpoint.lwck" ]; then
		for p in $(pgrep -f "lowwatt train .*--name killed"); do
			if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
				victim=$p
			fi
		done
		[ -n "$victim" ] && break
	fi
	sleep 0.1
done
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
rc=$?
if [ -n "$victim" ] && [ "$rc" -ne 0 ] && grep -qiE "rank 1 .*on node $(hostname -s)|rank 1 on $(hostname)" "$tmp/err" &&
	"$COMPARE" "$runs/killed/checkpoint.lwck" "$runs/killed/checkpoint.lwck" >/dev/null &&
	train 2 "${base[@]}" --steps 100000 --name killed --resume --stop-at 1 >/dev/null 2>&1; then
	# --stop-at 1 is behind the checkpoint: it stops after one more step.
	ok "a killed rank ends the job, naming the rank and host; the checkpoint is whole and resumes"
else
	not_ok "a killed rank ends the job, naming the rank and host; the checkpoint is whole" \
		"victim '$victim', rc $rc" "$(tail -5 "$tmp/err")"
fi

# Ctrl-C on mpirun (which passes SIGTERM on to the ranks): every rank
# stops after the same step, rank 0 evaluates, checkpoints and writes its
# files, and the run resumes.
"${mpi[@]}" -np 2 "$LOWWATT" train "${base[@]}" --steps 100000 --log-every 500 --name stopped \
	>"$tmp/out" 2>"$tmp/err" &
job=$!
for _ in $(seq 1 300); do
	grep -q '^step 500/' "$tmp/out" 2>/dev/null && break
	sleep 0.1
done
pkill -TERM -f "^mpirun .*--name stopped"
wait "$job"
if grep -q 'stopped by a signal$' "$tmp/out" &&
	json_check_quiet "$runs/stopped/summary.json" 'j["stopped_by"] == "signal" and j["steps"] >= 500' &&
	train 2 "${base[@]}" --steps 100000 --name stopped --resume --stop-at 1 >/dev/null 2>&1; then
	ok "SIGTERM to mpirun: the ranks stop together, rank 0 writes the summary, the run resumes"
else
	not_ok "SIGTERM to mpirun: the ranks stop together, rank 0 writes the summary" \
		"$(tail -3 "$tmp/out")" "$(tail -5 "$tmp/err")"
fi

# ------------------------------------------------------------ energy

if train 1 "${base[@]}" --steps 300 --eval-every 0 --name power-1 --json >"$tmp/one.json" 2>/dev/null &&
	train 2 "${base[@]}" --steps 300 --eval-every 0 --name power-2 --json >"$tmp/two.json" 2>/dev/null; then
	json_check "2 ranks on one machine: one host of 2 ranks, its energy counted once" \
		"$tmp/two.json" '
(lambda one:
j["ranks"] == 2 and len(j["hosts"]) == 1 and j["hosts"][0]["ranks"] == 2
and j["hosts"][0]["method"] == {"cpu": "estimated", "dram": "estimated", "gpu": "none"}
and 0.8 < j["avg_power_w"] / one["avg_power_w"] < 1.25
and one["ranks"] == 1 and len(one["hosts"]) == 1
)(json.load(open(a[0])))' "$tmp/one.json"
else
	not_ok "metered runs with 1 and 2 ranks" "$(cat "$tmp/two.json")"
fi

# ------------------------------------------------------------ errors

# expect_mpi_error NAME PATTERN -- COMMAND...: the job ends non-zero, and of
# its stderr (mpirun adds its own paragraphs) exactly one line is
# lowwatt's, matching PATTERN.
expect_mpi_error() {
	local name=$1 pattern=$2
	shift 3
	"$@" >/dev/null 2>"$tmp/err" </dev/null
	local rc=$? mine
	mine=$(grep '^lowwatt' "$tmp/err")
	if [ "$rc" -ne 0 ] && [ "$(lines "$mine")" -eq 1 ] && grep -qE -- "$pattern" <<<"$mine"; then
		ok "$name"
	else
		not_ok "$name" "rc $rc" "$(cat "$tmp/err")"
	fi
}

expect_mpi_error "4 ranks for a batch of 3 rows: one line" \
	"^lowwatt train: 4 ranks share a batch of 3 rows: each needs one at least \(--batch 4 or more\)$" -- \
	"${mpi[@]}" -np 4 "$LOWWATT" train "${base[@]}" --batch 3 --steps 2 --name toomany
lr=("${base[@]}" --steps 2 --name differ)
expect_mpi_error "ranks with different settings: rank 1 names the difference" \
	"^lowwatt: rank 1 on .*: the settings differ from rank 0's: lr is 0.001 at rank 0, 0.002 here$" -- \
	"${mpi[@]}" -np 1 "$LOWWATT" train "${lr[@]}" --lr 0.001 : -np 1 "$LOWWATT" train "${lr[@]}" --lr 0.002
expect_mpi_error "tokenize under mpirun: refused" \
	"^lowwatt tokenize: started as one of 2 ranks; only train and search run under mpirun or srun" -- \
	"${mpi[@]}" -np 2 "$LOWWATT" tokenize --tokenizer "$tmp/tok.lwtok"
tap_finish
