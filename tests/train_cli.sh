#!/usr/bin/env bash
# train_cli.sh — the training commands end to end: `lowwatt train`, `eval`,
# `fill-mask` and `generate` on a tiny corpus made here (a seeded text, a
# 300-token tokenizer, two shards) with tiny models, so the whole file runs
# in a few seconds. Checks what each command prints and writes on success
# (JSON summaries, the run folder's files, sampling that repeats with its
# seed) and that every failure is one line on standard error with exit
# status 2 (usage) or 1 (failure), leaving nothing behind.
#
# Every command runs without OPENBLAS_CORETYPE: with it, these commands
# restart and print a one-line notice (src/cli/blas_core.h), which one case
# checks on purpose. Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
tmp=$(mktemp -d /tmp/lowwatt-train-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib/tap.sh"

# --------------------------------------------------------------- the data

. "$(dirname "$0")/lib/tiny_corpus.sh"

T=$tmp/tok.lwtok
D=$tmp/data
runs=$tmp/runs
mkdir -p "$tmp/data2"
if tiny_corpus "$tmp" &&
	lw tokenizer train --input "$tmp/train.txt" --vocab-size 280 --out "$tmp/tok2.lwtok" >/dev/null 2>&1 &&
	lw prepare --tokenizer "$tmp/tok2.lwtok" --input "$tmp/train.txt" --out "$tmp/data2/train.lwtk" >/dev/null 2>&1 &&
	lw prepare --tokenizer "$tmp/tok2.lwtok" --input "$tmp/val.txt" --out "$tmp/data2/val.lwtk" >/dev/null 2>&1; then
	ok "a tokenizer (vocabulary 300) and two shards, and another tokenizer's (280)"
else
	not_ok "a tokenizer (vocabulary 300) and two shards, and another tokenizer's (280)"
	echo "1..$n"
	exit 1
fi

# A tiny model, quick to train.
tiny=(--layers 1 --d-model 16 --heads 2 --d-ff 32 --seq 16 --batch 4 --steps 6 --eval-every 3
	--eval-batches 2 --save-every 3 --threads 2 --data "$D" --tokenizer "$T" --out "$runs")

# --------------------------------------------------------------- train mlm --json

mlm=$runs/mlm
if run "train mlm --json" lw train --arch mlm "${tiny[@]}" --name mlm --json; then
	cp "$tmp/out" "$tmp/mlm.json"
	json_check "train mlm --json: one JSON summary with sane figures" "$tmp/mlm.json" '
j["arch"] == "mlm" and j["vocab"] == 300 and j["steps"] == 6 and j["tokens"] == 6 * 4 * 16
and j["threads"] == 2 and j["params"] > 0 and isinstance(j["blas_core"], str) and j["blas_core"]
and all(math.isfinite(j[k]) and j[k] > 0 for k in
        ("train_loss", "val_loss", "unigram_entropy", "tokens_per_s", "seconds"))
and j["train_loss"] < 10 and j["val_loss"] < 10'
fi
if [ -f "$mlm/config.json" ]; then
	json_check "the run's config.json holds the settings" "$mlm/config.json" \
		'j["d_model"] == 16 and j["arch"] == "mlm" and j["vocab"] == 300 and j["steps"] == 6'
else
	not_ok "the run's config.json holds the settings" "no $mlm/config.json"
fi
if [ -f "$mlm/metrics.csv" ] && head -n1 "$mlm/metrics.csv" | grep -q '^step,' &&
	[ "$(wc -l <"$mlm/metrics.csv")" -ge 2 ] && [ "$(tail -n1 "$mlm/metrics.csv" | cut -d, -f1)" = 6 ]; then
	ok "metrics.csv: a header and rows up to step 6"
else
	not_ok "metrics.csv: a header and rows up to step 6" "$(cat "$mlm/metrics.csv" 2>&1)"
fi
if [ -f "$mlm/summary.json" ]; then
	json_check "summary.json is what --json printed" "$mlm/summary.json" \
		'j == json.load(open(a[0]))' "$tmp/mlm.json"
else
	not_ok "summary.json is what --json printed" "no $mlm/summary.json"
fi
if [ -s "$mlm/checkpoint.lwck" ] && no_temporaries "$runs"; then
	ok "checkpoint.lwck written, no temporary file left"
else
	not_ok "checkpoint.lwck written, no temporary file left" "$(ls -la "$mlm" 2>&1)"
fi

# Same settings, same numbers.
if run "train mlm again" lw train --arch mlm "${tiny[@]}" --name mlm-again --json; then
	json_check "two runs with the same settings give the same losses" "$tmp/out" \
		'(j["train_loss"], j["val_loss"]) == (lambda o: (o["train_loss"], o["val_loss"]))(json.load(open(a[0])))' \
		"$tmp/mlm.json"
fi

# --------------------------------------------------------------- train clm, plain

clm=$runs/clm
if run "train clm" lw train --arch clm "${tiny[@]}" --name clm; then
	if printf '%s\n' "$out" | grep -q '^step 6/6 ' && printf '%s\n' "$out" | grep -q '^validation:' &&
		! printf '%s' "$out" | grep -q $'[\r\033]' && [ -z "$err" ]; then
		ok "train clm: plain 'step 6/6' and 'validation:' lines, nothing on stderr"
	else
		not_ok "train clm: plain 'step 6/6' and 'validation:' lines, nothing on stderr" \
			"stdout: $out" "stderr: $err"
	fi
fi

# --------------------------------------------------------------- --config

printf '{"arch": "clm", "layers": 1, "d_model": 32, "heads": 4, "d_ff": 48, "steps": 3}\n' \
	>"$tmp/settings.json"
if run "train --config" lw train --config "$tmp/settings.json" --heads 2 --seq 16 --batch 4 \
	--eval-batches 2 --threads 2 --data "$D" --tokenizer "$T" --out "$runs" --name cfg; then
	json_check "--config sets the model, a flag overrides it" "$runs/cfg/config.json" \
		'j["arch"] == "clm" and j["d_model"] == 32 and j["d_ff"] == 48 and j["heads"] == 2 and j["steps"] == 3'
fi

# --------------------------------------------------------------- --resume

before=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["train_loss"])' "$mlm/summary.json" 2>/dev/null)
if run "--resume of a finished run" lw train --resume --out "$runs" --name mlm --json; then
	cp "$tmp/out" "$tmp/resumed.json"
	json_check "--resume of a finished run: exit 0, still 6 steps" "$tmp/resumed.json" \
		'j["steps"] == 6 and j["tokens"] == 384 and j["arch"] == "mlm"'
	# Expected to pass; fails today: lw_train reports train_loss 0 when no
	# step runs (last_window_loss is not restored), and summary.json is
	# rewritten with it.
	json_check "--resume of a finished run keeps its train_loss (not 0)" "$tmp/resumed.json" \
		'j.get("train_loss") is None or abs(j["train_loss"] - float(a[0])) < 1e-6' "${before:-nan}"
fi
expect_error "--resume with another --d-model" 1 "d_model is 16 in the checkpoint, 32 here" - -- \
	lw train --resume --out "$runs" --name mlm --d-model 32 --heads 2
expect_error "--resume of a run that does not exist" 1 "nothing.*(config.json|checkpoint)" "$runs/nothing" -- \
	lw train --resume --out "$runs" --name nothing

# --------------------------------------------------------------- an existing run

sums=$(md5sum "$mlm"/* 2>&1)
expect_error "train into an existing run without --resume" 1 "mlm already holds a run" - -- \
	lw train "${tiny[@]}" --name mlm
if [ "$(md5sum "$mlm"/* 2>&1)" = "$sums" ] && no_temporaries "$mlm"; then
	ok "the existing run's files are untouched"
else
	not_ok "the existing run's files are untouched" "$(ls -la "$mlm")"
fi

# --------------------------------------------------------------- bad settings

expect_error "heads that do not divide d_model" 2 "heads \(3\) must divide d_model \(16\)" "$runs/bad" -- \
	lw train "${tiny[@]}" --name bad --heads 3
expect_error "unknown flag" 2 "unknown flag --bogus" "$runs/bad" -- \
	lw train "${tiny[@]}" --name bad --bogus 3
expect_error "--arch xyz" 2 "--arch expects mlm or clm, got 'xyz'" "$runs/bad" -- \
	lw train "${tiny[@]}" --name bad --arch xyz
expect_error "--data: a missing folder" 1 "$tmp/nowhere/train.lwtk: cannot open" "$runs/bad" -- \
	lw train "${tiny[@]}" --name bad --data "$tmp/nowhere"
expect_error "a tokenizer the shards were not made with" 1 "train.lwtk: made with another tokenizer" "$runs/bad" -- \
	lw train "${tiny[@]}" --name bad --tokenizer "$tmp/tok2.lwtok"
expect_error "--resume with --config" 2 "--resume .*drop --config" - -- \
	lw train --resume --out "$runs" --name mlm --config "$tmp/settings.json"

# Expected to pass; fail today: the shards' length is only checked when the
# first batch is drawn (src/text/batch.c), after the run folder, config.json
# and metrics.csv exist; the message ("batch: shard has N tokens, a batch row
# needs T+1 = M") names no shard, and a validation shard that is too short
# is only found after the whole training.
expect_error "--seq longer than the training shard" 1 "train.lwtk.*(10001|--seq)" "$runs/toolong1" -- \
	lw train "${tiny[@]}" --name toolong1 --seq 10000 --batch 1 --steps 1
expect_error "--seq longer than the validation shard" 1 "val.lwtk.*(2001|--seq)" "$runs/toolong2" -- \
	lw train "${tiny[@]}" --name toolong2 --seq 2000 --batch 1 --steps 1

# --------------------------------------------------------------- divergence

expect_error "--lr 1e30 diverges" 1 "step [0-9]+: the .* is .*diverged" - -- \
	lw train "${tiny[@]}" --name diverged --lr 1e30 --clip 0 --weight-decay 0 --warmup 0 \
	--save-every 1 --steps 50
if ! run "the diverged run's checkpoint loads" lw eval --checkpoint "$runs/diverged/checkpoint.lwck" \
	--data "$D" --tokenizer "$T"; then
	: # recorded by run
elif [ -e "$runs/diverged/summary.json" ] || ! no_temporaries "$runs/diverged"; then
	not_ok "the diverged run left a summary or a temporary" "$(ls -la "$runs/diverged")"
else
	ok "the diverged run's checkpoint loads (eval exits 0), no summary, no temporary"
fi
# Expected to pass; crashes today: a NaN loss makes json_pack fail in
# cmd_eval.c's print_result and json_dumps(NULL) is printed (SIGSEGV). It
# should print JSON (null for the NaN) or fail in one line.
# (In a subshell whose stderr is dropped: bash reports a crash there.)
rc=$( (lw eval --checkpoint "$runs/diverged/checkpoint.lwck" --data "$D" --tokenizer "$T" \
	--json >"$tmp/out" 2>"$tmp/err" </dev/null; echo $?) 2>/dev/null)
if [ "$rc" -eq 0 ] && "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null; then
	ok "eval --json of a model whose loss is NaN: valid JSON"
elif [ "$rc" -eq 1 ] && [ "$(lines "$(cat "$tmp/err")")" -eq 1 ]; then
	ok "eval --json of a model whose loss is NaN: one line, exit 1"
else
	not_ok "eval --json of a model whose loss is NaN: JSON or one error line" "exit status $rc" \
		"stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
fi
# A run that diverges before its first checkpoint leaves nothing to resume.
lw train "${tiny[@]}" --name nockpt --lr 1e30 --clip 0 --weight-decay 0 --warmup 0 \
	--save-every 0 --steps 50 >/dev/null 2>&1
expect_error "--resume of a run without a checkpoint" 1 "nockpt holds no checkpoint.lwck" - -- \
	lw train --resume --out "$runs" --name nockpt

# --------------------------------------------------------------- eval

C=$mlm/checkpoint.lwck
CC=$clm/checkpoint.lwck
if run "eval --json" lw eval --checkpoint "$C" --data "$D" --tokenizer "$T" --json; then
	json_check "eval --json: val_loss, perplexity, accuracy, targets, arch" "$tmp/out" '
j["arch"] == "mlm" and j["step"] == 6 and j["targets"] > 0 and 0 <= j["accuracy"] <= 1
and math.isfinite(j["val_loss"]) and j["val_loss"] > 0
and abs(j["perplexity"] - math.exp(j["val_loss"])) < 1e-6 * j["perplexity"]'
fi
if run "eval --batches 2" lw eval --checkpoint "$C" --data "$D" --tokenizer "$T" --batches 2 \
	--threads 2 --json; then
	json_check "eval --batches 2 repeats the run's final val_loss" "$tmp/out" \
		'abs(j["val_loss"] - json.load(open(a[0]))["val_loss"]) < 1e-6' "$tmp/mlm.json"
fi
if run "eval (plain)" lw eval --checkpoint "$CC" --data "$D" --tokenizer "$T"; then
	if printf '%s' "$out" | grep -q 'validation loss [0-9.]* nats' && [ "$(lines "$out")" -eq 1 ] &&
		[ -z "$err" ]; then
		ok "eval (plain): one 'validation loss' line"
	else
		not_ok "eval (plain): one 'validation loss' line" "stdout: $out" "stderr: $err"
	fi
fi
size=$(stat -c %s "$C")
head -c $((size - 100)) "$C" >"$tmp/short.lwck"
head -c 100 "$C" >"$tmp/stub.lwck"
cp "$C" "$tmp/flipped.lwck"
printf '\x55' | dd of="$tmp/flipped.lwck" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cp "$C" "$tmp/header.lwck"
printf '\x55' | dd of="$tmp/header.lwck" bs=1 seek=30 conv=notrunc 2>/dev/null
expect_error "eval a missing checkpoint" 1 "$tmp/none.lwck: cannot open" - -- \
	lw eval --checkpoint "$tmp/none.lwck" --data "$D" --tokenizer "$T"
expect_error "eval a truncated checkpoint" 1 "short.lwck: truncated" - -- \
	lw eval --checkpoint "$tmp/short.lwck" --data "$D" --tokenizer "$T"
expect_error "eval a checkpoint cut inside its header" 1 "stub.lwck: truncated" - -- \
	lw eval --checkpoint "$tmp/stub.lwck" --data "$D" --tokenizer "$T"
expect_error "eval a checkpoint with a flipped payload byte" 1 "flipped.lwck: corrupted: payload checksum" - -- \
	lw eval --checkpoint "$tmp/flipped.lwck" --data "$D" --tokenizer "$T"
expect_error "eval a checkpoint with a flipped header byte" 1 "header.lwck: corrupted: header checksum" - -- \
	lw eval --checkpoint "$tmp/header.lwck" --data "$D" --tokenizer "$T"
expect_error "eval a text file" 1 "train.txt: not a lowwatt checkpoint" - -- \
	lw eval --checkpoint "$tmp/train.txt" --data "$D" --tokenizer "$T"
expect_error "eval on data of another tokenizer" 1 "tokenizer checksum 0x[0-9a-f]+, the data in .* 0x" - -- \
	lw eval --checkpoint "$C" --data "$tmp/data2" --tokenizer "$tmp/tok2.lwtok"
expect_error "eval with a tokenizer the data was not made with" 1 "val.lwtk: made with another tokenizer" - -- \
	lw eval --checkpoint "$C" --data "$D" --tokenizer "$tmp/tok2.lwtok"

# --------------------------------------------------------------- fill-mask

if run "fill-mask" lw fill-mask --checkpoint "$C" --tokenizer "$T" --top 3 "the cat [MASK] on the mat"; then
	if [ "$(printf '%s\n' "$out" | LC_ALL=C grep -cE "^ +[0-9]+\. .* +[0-9]+\.[0-9]+%$")" -eq 3 ] &&
		printf '%s\n' "$out" | grep -q '^\[MASK\] 1:' && [ -z "$err" ]; then
		ok "fill-mask --top 3: three candidates with percentages"
	else
		not_ok "fill-mask --top 3: three candidates with percentages" "stdout: $out" "stderr: $err"
	fi
fi
expect_error "fill-mask without [MASK]" 2 "expected one text holding at least one \[MASK\]" - -- \
	lw fill-mask --checkpoint "$C" --tokenizer "$T" "the cat sat on the mat"
expect_error "fill-mask on a causal LM" 1 "causal LM.*lowwatt generate" - -- \
	lw fill-mask --checkpoint "$CC" --tokenizer "$T" "the cat [MASK] on the mat"
expect_error "fill-mask with another tokenizer" 1 "tokenizer checksum 0x[0-9a-f]+, but .*tok2.lwtok" - -- \
	lw fill-mask --checkpoint "$C" --tokenizer "$tmp/tok2.lwtok" "the cat [MASK] on the mat"
expect_error "fill-mask with a text longer than the model's seq" 1 "model's limit is 16" - -- \
	lw fill-mask --checkpoint "$C" --tokenizer "$T" \
	"the cat [MASK] on the mat and the dog ran under the big tree by the river today"

# --------------------------------------------------------------- generate

gen_args=(--checkpoint "$CC" --tokenizer "$T" --prompt "the cat" --tokens 5)
if run "generate" lw generate "${gen_args[@]}" --seed 3; then
	cp "$tmp/out" "$tmp/gen1"
	if [ "${out:0:7}" = "the cat" ] && [ -z "$err" ]; then
		ok "generate: the output starts with the prompt"
	else
		not_ok "generate: the output starts with the prompt" "stdout: $out" "stderr: $err"
	fi
	if run "generate again" lw generate "${gen_args[@]}" --seed 3 && cmp -s "$tmp/out" "$tmp/gen1"; then
		ok "generate: the same seed gives the same text"
	elif [ "$rc" -eq 0 ]; then
		not_ok "generate: the same seed gives the same text" "$(cat "$tmp/gen1")" "$out"
	fi
fi
if run "generate greedy" lw generate "${gen_args[@]}" --temperature 0 --seed 1 &&
	cp "$tmp/out" "$tmp/greedy" && run "generate greedy again" lw generate "${gen_args[@]}" --temperature 0 --seed 9; then
	if cmp -s "$tmp/out" "$tmp/greedy"; then
		ok "generate --temperature 0: greedy, the same text whatever the seed"
	else
		not_ok "generate --temperature 0: greedy, the same text whatever the seed" "$(cat "$tmp/greedy")" "$out"
	fi
fi
if run "generate past the model's seq" lw generate --checkpoint "$CC" --tokenizer "$T" \
	--prompt "the cat sat on the mat and the dog ran under the big tree" --tokens 20 --seed 2; then
	ok "generate: a prompt and output longer than the model's seq"
fi
expect_error "generate with a masked LM" 1 "masked LM.*lowwatt fill-mask" - -- \
	lw generate --checkpoint "$C" --tokenizer "$T" --prompt "the cat" --tokens 5
expect_error "generate --temperature -1" 2 "--temperature must be between 0 and 100, got -1" - -- \
	lw generate "${gen_args[@]}" --temperature -1
expect_error "generate with another tokenizer" 1 "tokenizer checksum 0x[0-9a-f]+, but .*tok2.lwtok" - -- \
	lw generate --checkpoint "$CC" --tokenizer "$tmp/tok2.lwtok" --prompt "the cat" --tokens 5
expect_error "generate without --prompt" 2 "missing --prompt" - -- \
	lw generate --checkpoint "$CC" --tokenizer "$T"

# --------------------------------------------------------------- OPENBLAS_CORETYPE

native=$(lw --version 2>/dev/null | sed -n 's/^blas: .*, kernels \([A-Za-z0-9_]*\).*/\1/p')
if run "eval without OPENBLAS_CORETYPE" lw eval --checkpoint "$C" --data "$D" --tokenizer "$T"; then
	if [ -z "$err" ]; then
		ok "without OPENBLAS_CORETYPE: no notice"
	else
		not_ok "without OPENBLAS_CORETYPE: no notice" "stderr: $err"
	fi
fi
forced=Haswell
[ "${native,,}" = haswell ] && forced=Sandybridge
env_kernels=$(env -u LOWWATT_BLAS_ENV OPENBLAS_CORETYPE=$forced "$LOWWATT" --version --blas-core env 2>/dev/null |
	sed -n 's/^blas: .*, kernels \([A-Za-z0-9_]*\).*/\1/p')
if run "train --blas-core env under OPENBLAS_CORETYPE=$forced" env -u LOWWATT_BLAS_ENV \
	OPENBLAS_CORETYPE=$forced "$LOWWATT" train "${tiny[@]}" --name blas-env --json --blas-core env; then
	cp "$tmp/out" "$tmp/blas.json"
	if printf '%s' "$err" | grep -q OPENBLAS_CORETYPE; then
		not_ok "train --blas-core env: no notice" "stderr: $err"
	else
		json_check "train --blas-core env: no notice, the environment's kernels ($env_kernels)" \
			"$tmp/blas.json" 'j["blas_core"].lower() == a[0].lower()' "$env_kernels"
	fi
fi
if [ -n "$native" ] && [ "${env_kernels,,}" = "${forced,,}" ] &&
	run "eval under OPENBLAS_CORETYPE=$forced" env -u LOWWATT_BLAS_ENV OPENBLAS_CORETYPE=$forced \
		"$LOWWATT" eval --checkpoint "$C" --data "$D" --tokenizer "$T"; then
	if [ "$(lines "$err")" -eq 1 ] && printf '%s' "$err" | grep -q "^lowwatt: OPENBLAS_CORETYPE=$forced would force"; then
		ok "eval under OPENBLAS_CORETYPE=$forced: one notice line"
	else
		not_ok "eval under OPENBLAS_CORETYPE=$forced: one notice line" "stderr: $err"
	fi
fi

if no_temporaries "$tmp"; then
	ok "no temporary file anywhere"
else
	not_ok "no temporary file anywhere" "$(find "$tmp" -name '*.tmp.*')"
fi

tap_finish
