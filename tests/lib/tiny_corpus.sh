# tiny_corpus.sh — a tiny seeded corpus for the shell tests of training
# commands: gen writes documents of simple sentences (awk, so every machine
# makes the same text), tiny_corpus turns them into a 300-token tokenizer
# and two shards. Sourced after tests/lib/tap.sh (it uses lw).

# gen SEED DOCS: DOCS documents of 50 sentences, separated by <|endoftext|>.
gen() {
	awk -v seed="$1" -v docs="$2" 'BEGIN {
		srand(seed)
		split("the a one every that this my", det, " ")
		split("cat dog man woman bird child teacher farmer horse king", noun, " ")
		split("sat ran walked slept jumped looked sang waited stood read", verb, " ")
		split("on under near behind beside over", prep, " ")
		split("mat house tree road table river garden hill store bridge", obj, " ")
		split("quietly slowly today again alone", adv, " ")
		for (d = 0; d < docs; d++) {
			if (d > 0)
				print "<|endoftext|>"
			for (i = 0; i < 50; i++) {
				s = det[int(rand() * 7) + 1] " " noun[int(rand() * 10) + 1] " " \
				    verb[int(rand() * 10) + 1]
				if (rand() < 0.3)
					s = s " " adv[int(rand() * 5) + 1]
				print s " " prep[int(rand() * 6) + 1] " the " obj[int(rand() * 10) + 1] " ."
			}
		}
	}'
}

# tiny_corpus DIR: DIR/tok.lwtok and DIR/data/{train,val}.lwtk (7 training
# documents, 1 validation document); returns non-zero on failure.
tiny_corpus() {
	mkdir -p "$1/data" &&
		gen 7 4 >"$1/train.txt" && gen 11 1 >"$1/val.txt" &&
		lw tokenizer train --input "$1/train.txt" --vocab-size 300 --out "$1/tok.lwtok" \
			>/dev/null 2>&1 &&
		lw prepare --tokenizer "$1/tok.lwtok" --input "$1/train.txt" \
			--out "$1/data/train.lwtk" >/dev/null 2>&1 &&
		lw prepare --tokenizer "$1/tok.lwtok" --input "$1/val.txt" \
			--out "$1/data/val.lwtk" >/dev/null 2>&1
}

# tiny_corpus_or_stop DIR: tiny_corpus, said as the first TAP case; a
# failure ends the test file there.
tiny_corpus_or_stop() {
	if tiny_corpus "$1"; then
		ok "a tiny corpus: tokenizer and shards"
	else
		not_ok "a tiny corpus: tokenizer and shards"
		tap_finish
		exit 1
	fi
}
