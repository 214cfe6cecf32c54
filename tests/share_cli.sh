#!/usr/bin/env bash
# share_cli.sh — weight sharing from the command line, on a tiny corpus:
# `lowwatt train --share all|attn|ffn [--share-groups K] [--share-vectors]`
# and `--param-budget N|P% [--templates K]` train, report their physical and
# logical parameter counts and checkpoint size, resume, evaluate and fill
# masks; a checkpoint of one scheme is refused under another by name; every
# bad sharing setting is one line, exit 2, no run folder. Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
PY=${PY:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/lowwatt-share-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/tiny_corpus.sh"

tiny_corpus_or_stop "$tmp"
runs=$tmp/runs
tiny=(--layers 3 --d-model 16 --heads 2 --d-ff 32 --seq 16 --batch 4 --steps 6 --eval-every 3
	--eval-batches 2 --threads 1 --data "$tmp/data" --tokenizer "$tmp/tok.lwtok" --out "$runs")
on_data=(--data "$tmp/data" --tokenizer "$tmp/tok.lwtok")

# train_shared NAME SAVED FLAGS...: train runs/NAME with FLAGS; its summary
# must count SAVED fewer physical parameters than logical ones, and give
# the checkpoint's size. Per layer of d_model 16, d_ff 32 the weight
# matrices are 768 (qkv) + 256 (proj) + 512 (fc) + 512 (fc_proj).
train_shared() {
	local name=$1 saved=$2
	shift 2
	if run "train $*" lw train "${tiny[@]}" --name "$name" --json "$@"; then
		json_check "train $*: $saved parameters saved by sharing, the checkpoint's size" \
			"$tmp/out" '
j["logical_params"] - j["params"] == int(a[0]) and j["steps"] == 6
and j["checkpoint_bytes"] == int(a[1]) and math.isfinite(j["val_loss"])' \
			"$saved" "$(stat -c %s "$runs/$name/checkpoint.lwck")"
	fi
}

train_shared none 0
train_shared all $((2 * 2048)) --share all
train_shared attn2 $((1024)) --share attn --share-groups 2
train_shared ffnv $((2 * (1024 + 32 + 16 + 32))) --share ffn --share-vectors

if run "train --share all: the start line" lw train "${tiny[@]}" --name started --share all; then
	if printf '%s\n' "$out" | grep -qE '^training at step 0 of 6 \([0-9,]+ parameters for [0-9,]+ logical; checkpoint [0-9.]+ MB\)$'; then
		ok "the start line gives physical and logical parameters and the checkpoint's size"
	else
		not_ok "the start line gives physical and logical parameters and the checkpoint's size" "$out"
	fi
fi

# A bank: 10% of the unshared model's parameters, 2 templates per matrix.
if run "train --param-budget 10% --templates 2" lw train "${tiny[@]}" --name bank \
	--param-budget 10% --templates 2 --json; then
	json_check "the bank holds 10% of the unshared model, plus 2 coefficients a matrix" \
		"$tmp/out" '
j["bank"] == round(0.1 * j["logical_params"]) and j["templates"] == 2
and j["params"] == j["logical_params"] - 3 * 2048 + j["bank"] + 3 * 4 * 2'
fi

# Each run resumes (the plan is done: it evaluates again), evaluates, fills.
for name in all attn2 ffnv bank; do
	ck=$runs/$name/checkpoint.lwck
	if run "resume $name" lw train --out "$runs" --name "$name" --resume --threads 1 &&
		run "eval $name" lw eval --checkpoint "$ck" "${on_data[@]}" &&
		run "fill-mask $name" lw fill-mask --checkpoint "$ck" --tokenizer "$tmp/tok.lwtok" \
			"the cat [MASK] on the mat ."; then
		ok "$name: resumes, evaluates and fills masks"
	fi
done

expect_error "a shared checkpoint resumed unshared" 1 "share is all in the checkpoint, none here" - -- \
	lw train --out "$runs" --name all --resume --share none
expect_error "a bank resumed with another budget" 1 "bank is [0-9]+ in the checkpoint, [0-9]+ here" - -- \
	lw train --out "$runs" --name bank --resume --param-budget 20%

# A shared checkpoint damaged: refused in one line, by name.
head -c 1000 "$runs/bank/checkpoint.lwck" >"$tmp/cut.lwck"
expect_error "eval of a truncated bank checkpoint" 1 "cut.lwck: truncated" - -- \
	lw eval --checkpoint "$tmp/cut.lwck" "${on_data[@]}"
cp "$runs/all/checkpoint.lwck" "$tmp/flip.lwck"
printf '\x03' | dd of="$tmp/flip.lwck" bs=1 seek=220 conv=notrunc 2>/dev/null
expect_error "a shared checkpoint with its scheme byte changed" 1 "flip.lwck: corrupted: header checksum" - -- \
	lw eval --checkpoint "$tmp/flip.lwck" "${on_data[@]}"

for bad in "--share most" "--share all --share-groups 4" "--share-groups 2" "--share-vectors" \
	"--param-budget 0" "--param-budget x" "--param-budget 150%" "--param-budget 1.5" \
	"--param-budget 10% --share all" "--templates 3" "--param-budget 10% --templates 65"; do
	# shellcheck disable=SC2086
	expect_error "train $bad: one line, exit 2, no run folder" 2 '^lowwatt train: ' "$runs/bad" -- \
		lw train "${tiny[@]}" --name bad $bad
done

tap_finish
