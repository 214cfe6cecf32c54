// gpt2_reference.js — GPT-2 token ids of files from the two reference
// encoders that lowwatt's tokenizer is tested against: tiktoken (OpenAI's
// Rust BPE compiled to WASM, encoding "gpt2") and gpt-3-encoder (a pure
// JavaScript port of GPT-2's encoder.py).
//
//   node tests/peer/gpt2_reference.js --out DIR FILE...
//
// For each FILE (read as UTF-8) writes DIR/<basename>.tiktoken and
// DIR/<basename>.gpt3: the ids separated by single spaces, then "\n" — the
// format of `lowwatt tokenize`. "<|endoftext|>" in a file is plain text
// (tiktoken's encode_ordinary never produces the special id).
//
// Runs offline: both packages are read from .cache/npm/node_modules.
'use strict';

const fs = require('fs');
const path = require('path');
const { gpt3Encode } = require('./gpt3_pieces.js');

const NPM = path.resolve(__dirname, '../../.cache/npm/node_modules');

function main(argv) {
	const outIdx = argv.indexOf('--out');
	if (outIdx < 0 || outIdx + 1 >= argv.length) {
		process.stderr.write('usage: gpt2_reference.js --out DIR FILE...\n');
		return 2;
	}
	const outDir = argv[outIdx + 1];
	const files = argv.filter((_, i) => i !== outIdx && i !== outIdx + 1);
	const { get_encoding } = require(path.join(NPM, 'tiktoken'));
	const gpt3 = require(path.join(NPM, 'gpt-3-encoder'));
	const tik = get_encoding('gpt2');
	try {
		for (const file of files) {
			const text = fs.readFileSync(file, 'utf8');
			const base = path.join(outDir, path.basename(file));
			const a = tik.encode_ordinary(text);
			fs.writeFileSync(base + '.tiktoken', Array.from(a).join(' ') + '\n');
			const b = gpt3Encode(gpt3, text);
			fs.writeFileSync(base + '.gpt3', b.join(' ') + '\n');
		}
	} finally {
		tik.free();
	}
	return 0;
}

process.exitCode = main(process.argv.slice(2));
