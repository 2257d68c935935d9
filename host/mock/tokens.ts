// The mock's deterministic "tokenizer": one rule, used by every provider for usage numbers and for
// how streamed text is cut into deltas, so usage and the number of deltas always agree.
//
// Rule: text is cut into words, each word carrying the whitespace before it ("a b" -> "a", " b");
// trailing whitespace is a word of its own; a word whose non-space part is longer than
// MAX_TOKEN_CHARS code points is cut into pieces of at most MAX_TOKEN_CHARS code points (the
// leading whitespace stays on the first piece). Each piece is one token.
// Joining the pieces gives back the exact input, and no piece splits a code point (so every piece
// is valid UTF-8 on the wire).
//
//   tokenize("echo: Hello world") -> ["echo:", " Hello", " world"]           (3 tokens)
//   tokenize('{"city":"Paris"}')  -> ['{"city":', '"Paris"}']                (2 tokens)

export const MAX_TOKEN_CHARS = 8;

const WORD = /(\s*)(\S+)|\s+$/gu;

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) {
    if (m[2] === undefined) {
      out.push(m[0]);
      continue;
    }
    const cps = Array.from(m[2]);
    for (let i = 0; i < cps.length; i += MAX_TOKEN_CHARS) {
      out.push((i === 0 ? m[1] : "") + cps.slice(i, i + MAX_TOKEN_CHARS).join(""));
    }
  }
  return out;
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** Sum of countTokens over several texts (each counted on its own, never joined). */
export function countAll(texts: Iterable<string>): number {
  let n = 0;
  for (const t of texts) n += countTokens(t);
  return n;
}
