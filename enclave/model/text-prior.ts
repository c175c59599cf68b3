/**
 * The LM-head bias of the built-in models: a unigram prior over the byte vocabulary, so that an
 * untrained model (random weights, weights.ts) still writes readable text. Without it every byte
 * and special token is about equally likely, and `tacit chat` prints control characters and invalid
 * UTF-8; with it greedy and sampled answers are printable ASCII "words": letters in English
 * proportions, spaces between them, some punctuation.
 *
 * It is an ordinary bias of the output projection, `logits = lm_head(h) + bias` (the graph and the
 * reference forward pass both add it), so the model stays a real forward pass: the random part of
 * the logits (standard deviation about 1) still decides between the likely bytes in context.
 *
 *   - Printable ASCII 0x20..0x7e: the natural log of a rough character frequency of English text
 *     (space 14%, a little under its share of prose so that greedy answers are not mostly blanks;
 *     'e' 10%, 'z' 0.06%; capitals, digits and symbols rarer), relative to 1.
 *   - Every other byte (controls, DEL, 0x80..0xff: never valid alone in UTF-8 output) and every
 *     special token: DISFAVOURED, far enough below that no sampling temperature a user may ask for
 *     makes them appear. Generation therefore ends by max_tokens or a stop string, not by the model
 *     choosing <|end|>, as with the random model, where it was a 1-in-264 accident.
 */

/** The bias of bytes and tokens the built-in models should never write. */
export const DISFAVOURED = -40;

/** Letters per 1000 characters of English prose (space included below), rounded. */
const LETTERS: Readonly<Record<string, number>> = {
  e: 102,
  t: 75,
  a: 65,
  o: 62,
  i: 57,
  n: 57,
  s: 53,
  h: 50,
  r: 49,
  d: 34,
  l: 33,
  u: 23,
  c: 22,
  m: 20,
  w: 19,
  f: 18,
  g: 16,
  y: 16,
  p: 15,
  b: 12,
  v: 8,
  k: 6,
  x: 1.5,
  j: 1,
  q: 1,
  z: 0.6,
};

const OTHERS: Readonly<Record<string, number>> = {
  ' ': 140,
  '.': 6,
  ',': 6,
  "'": 2,
  '"': 1,
  '-': 1,
  '?': 0.5,
  '!': 0.5,
  ';': 0.3,
  ':': 0.3,
};

/** Per mille of every printable ASCII character (0x20..0x7e). */
function perMille(ch: string): number {
  const lower = LETTERS[ch];
  if (lower !== undefined) return lower;
  const upper = LETTERS[ch.toLowerCase()];
  if (upper !== undefined) return upper * 0.03; // capitals: about one letter in thirty
  const other = OTHERS[ch];
  if (other !== undefined) return other;
  if (ch >= '0' && ch <= '9') return 0.5;
  return 0.05; // the remaining symbols: # $ % & ( ) * + / < = > @ [ \ ] ^ _ ` { | } ~
}

/** The bias vector [vocabSize] (float32): ln(frequency) for printable ASCII, DISFAVOURED elsewhere. */
export function textPriorBias(vocabSize: number): Float32Array {
  const bias = new Float32Array(vocabSize).fill(DISFAVOURED);
  for (let b = 0x20; b <= 0x7e; b++) bias[b] = Math.log(perMille(String.fromCharCode(b)) / 1000);
  return bias;
}
