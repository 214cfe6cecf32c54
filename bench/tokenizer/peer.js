// peer.js — the reference GPT-2 encoders' side of bench/tokenizer/run.sh:
// how fast tiktoken (Rust BPE as WASM) and gpt-3-encoder (pure JavaScript)
// encode a file, timed the way `lowwatt tokenizer bench` times lowwatt.
//
//   node bench/tokenizer/peer.js FILE [REPEATS]
//
// Prints one JSON line per encoder, the best of REPEATS (default 3):
//   {"encoder":"tiktoken","bytes":B,"tokens":N,"seconds":S,"mb_per_s":X}
// Each repeat starts from a freshly loaded encoder (gpt-3-encoder keeps a
// cache of encoded pieces across calls: its module is loaded again, so no
// repeat profits from an earlier one, as lowwatt's bench reloads its
// tokenizer), and only the encoding is timed: reading the file, loading the
// vocabulary and (for gpt-3-encoder) cutting the text into chunks are not.
// "<|endoftext|>" is plain text for all (tiktoken's encode_ordinary).
//
// gpt-3-encoder's encode() is quadratic in the length of its input (it
// concatenates arrays), so it is given the text in chunks of about 256
// characters cut where its output cannot change (tests/peer/gpt3_pieces.js):
// the same ids, at the speed of its real per-piece work.
'use strict';

const fs = require('fs');
const path = require('path');
const { chunks } = require('../../tests/peer/gpt3_pieces.js');

const NPM = path.resolve(__dirname, '../../.cache/npm/node_modules');

function report(encoder, bytes, tokens, seconds) {
	console.log(JSON.stringify({ encoder, bytes, tokens, seconds: +seconds.toFixed(6),
				     mb_per_s: +(bytes / seconds / 1e6).toFixed(3) }));
}

function benchTiktoken(text, bytes, repeats) {
	const { get_encoding } = require(path.join(NPM, 'tiktoken'));
	let best = Infinity, tokens = 0;
	for (let r = 0; r < repeats; r++) {
		const enc = get_encoding('gpt2');
		const t0 = process.hrtime.bigint();
		const ids = enc.encode_ordinary(text);
		const s = Number(process.hrtime.bigint() - t0) / 1e9;
		tokens = ids.length;
		best = Math.min(best, s);
		enc.free();
	}
	report('tiktoken', bytes, tokens, best);
}

function freshGpt3() {
	const file = require.resolve(path.join(NPM, 'gpt-3-encoder'));
	for (const key of Object.keys(require.cache)) {
		if (key.startsWith(path.dirname(file)))
			delete require.cache[key];
	}
	return require(file);
}

function benchGpt3(text, bytes, repeats) {
	const parts = Array.from(chunks(text, 256));
	let best = Infinity, tokens = 0;
	for (let r = 0; r < repeats; r++) {
		const gpt3 = freshGpt3();
		let n = 0;
		const t0 = process.hrtime.bigint();
		for (const part of parts)
			n += gpt3.encode(part).length;
		const s = Number(process.hrtime.bigint() - t0) / 1e9;
		tokens = n;
		best = Math.min(best, s);
	}
	report('gpt-3-encoder', bytes, tokens, best);
}

function main(argv) {
	if (argv.length < 1 || argv.length > 2) {
		process.stderr.write('usage: peer.js FILE [REPEATS]\n');
		return 2;
	}
	const buf = fs.readFileSync(argv[0]);
	const text = buf.toString('utf8');
	const repeats = argv[1] ? parseInt(argv[1], 10) : 3;
	benchTiktoken(text, buf.length, repeats);
	benchGpt3(text, buf.length, repeats);
	return 0;
}

process.exitCode = main(process.argv.slice(2));
