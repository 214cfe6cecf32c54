// hostile_files.js — expand tests/peer/hostile_strings.json into one input
// file per string, so that every string is encoded on its own and a failure
// names it.
//
//   node tests/peer/hostile_files.js DIR
//
// Writes DIR/<id>.txt (the string's UTF-8 bytes, or the raw bytes of an
// invalid_utf8 entry) and DIR/index.tsv, one line per file:
//   <id> TAB <kind> TAB <name>
// kind is "parity" (all three encoders must agree), "excluded" (a character
// the two references disagree on: see the JSON) or "invalid" (bytes that are
// not UTF-8: round trip through lowwatt only). Exits 1 if a parity string
// contains an excluded character.
'use strict';

const fs = require('fs');
const path = require('path');

// "1-4,7,70" -> [1, 2, 3, 4, 7, 70]
function parseCounts(spec) {
	const out = [];
	for (const part of String(spec).split(',')) {
		const [a, b] = part.split('-').map(Number);
		for (let k = a; k <= (b === undefined ? a : b); k++)
			out.push(k);
	}
	return out;
}

// Where each excluded character is put: alone, between words, among spaces.
const EXCLUDED_CONTEXTS = [
	c => c, c => 'a' + c + 'b', c => 'a ' + c + ' b', c => c + c + 'x ' + c + 'y',
	c => 'x' + c, c => 'a' + c + '\nb', c => ' ' + c + '1',
];

function entries(doc) {
	const out = [];
	for (const s of doc.strings)
		out.push({ kind: 'parity', name: s.name, bytes: Buffer.from(s.text, 'utf8') });
	for (const r of doc.repeats) {
		for (const k of parseCounts(r.counts)) {
			const text = r.before + r.unit.repeat(k) + r.after;
			out.push({ kind: 'parity', name: `${r.name} x${k}`, bytes: Buffer.from(text, 'utf8') });
		}
	}
	for (const x of doc.excluded) {
		EXCLUDED_CONTEXTS.forEach((ctx, i) => {
			out.push({ kind: 'excluded', name: `${x.name} context ${i + 1}`,
				   bytes: Buffer.from(ctx(x.char), 'utf8') });
		});
	}
	for (const v of doc.invalid_utf8) {
		const hex = v.hex.trim();
		const bytes = hex === '' ? [] : hex.split(/\s+/).map(h => parseInt(h, 16));
		out.push({ kind: 'invalid', name: v.name, bytes: Buffer.from(bytes) });
	}
	return out;
}

function main(argv) {
	if (argv.length !== 1) {
		process.stderr.write('usage: hostile_files.js DIR\n');
		return 2;
	}
	const dir = argv[0];
	const doc = JSON.parse(fs.readFileSync(path.join(__dirname, 'hostile_strings.json'), 'utf8'));
	const excluded = doc.excluded.map(x => x.char);
	const lines = [];
	let status = 0;
	entries(doc).forEach((e, i) => {
		const id = 'h' + String(i).padStart(4, '0');
		if (e.kind === 'parity' && excluded.some(c => e.bytes.toString('utf8').includes(c))) {
			process.stderr.write(`hostile_files: "${e.name}" contains an excluded character\n`);
			status = 1;
		}
		if (/[\t\n]/.test(e.name)) {
			process.stderr.write(`hostile_files: name "${e.name}" has a tab or newline\n`);
			status = 1;
		}
		fs.writeFileSync(path.join(dir, id + '.txt'), e.bytes);
		lines.push(`${id}\t${e.kind}\t${e.name}`);
	});
	fs.writeFileSync(path.join(dir, 'index.tsv'), lines.join('\n') + '\n');
	return status;
}

process.exitCode = main(process.argv.slice(2));
