// gpt3_pieces.js — run gpt-3-encoder's encode() over a large text in chunks.
//
// gpt-3-encoder builds its result with Array.concat once per pre-tokenizer
// piece, which is quadratic in the length of the text: a whole Brown split
// would take hours. Splitting the text into chunks and concatenating the
// chunks' ids gives exactly the ids of the whole text provided every chunk
// ends after a piece whose last character is not white space (JS \s, the
// class gpt-3-encoder's regular expression uses): the only context-sensitive
// part of GPT-2's expression is the look-ahead in \s+(?!\S), and every other
// alternative matches the same text whether or not the text goes on after a
// non-space character. Chunks are cut at such piece boundaries only, so the
// result is the encoder's own, unchanged. Texts shorter than one chunk are
// passed to encode() whole.
'use strict';

// GPT-2's pre-tokenizer, as in gpt-3-encoder's Encoder.js (and encoder.py).
const PAT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const SPACE_AT_END = /\s$/u;

function* chunks(text, chunkChars) {
	let start = 0;
	PAT.lastIndex = 0;
	let m;
	while ((m = PAT.exec(text)) !== null) {
		const end = m.index + m[0].length;
		if (end - start >= chunkChars && !SPACE_AT_END.test(m[0])) {
			yield text.slice(start, end);
			start = end;
		}
	}
	if (start < text.length)
		yield text.slice(start);
}

// The ids of text from gpt-3-encoder (the module object `gpt3`), as an Array.
function gpt3Encode(gpt3, text, chunkChars = 256) {
	if (text.length <= chunkChars)
		return gpt3.encode(text);
	const ids = [];
	for (const chunk of chunks(text, chunkChars)) {
		for (const id of gpt3.encode(chunk))
			ids.push(id);
	}
	return ids;
}

module.exports = { gpt3Encode, chunks };
