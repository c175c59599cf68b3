/**
 * Fuzz targets for every Binary HTTP and varint decoder (`npm run fuzz -- bhttp [cases]`).
 * Besides "throws only TacitError", the stream target checks that the streaming decoder agrees with the
 * whole-message decoder on every input: a disagreement is thrown as a plain Error, i.e. a finding.
 */
import {
  decodeMessage,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  StreamDecoder,
  toResponseStreaming,
} from '../../shared/bhttp/index.ts';
import { hexToBytes } from '../../shared/bytes.ts';
import { isTacitError } from '../../shared/errors.ts';
import { decodeVarint } from '../../shared/varint.ts';
import { loadVector } from '../support/vectors.ts';
import type { FuzzTarget } from './run.ts';

const file = loadVector<{ vectors: { hex: string }[]; invalid: { hex: string }[] }>('bhttp-rfc9292.json');
const content = new TextEncoder().encode('fuzz content '.repeat(8));
const seeds: Uint8Array[] = [
  ...file.vectors.map((v) => hexToBytes(v.hex)),
  ...file.invalid.map((v) => hexToBytes(v.hex)),
  ...(['known-length', 'indeterminate-length'] as const).flatMap((framing) => [
    encodeRequest(
      {
        method: 'POST',
        scheme: 'https',
        authority: 'a.example',
        path: '/v1',
        headers: [
          [':protocol', 'x'],
          ['a', 'b'],
        ],
        content,
        trailers: [['t', 'v']],
      },
      { framing, padding: 3 },
    ),
    encodeResponse(
      {
        informational: [{ status: 103, headers: [['link', '</x>']] }],
        status: 200,
        headers: [['c', 'd']],
        content,
        trailers: [['t', 'v']],
      },
      { framing },
    ),
  ]),
];

type Outcome = string;
function outcome(f: () => unknown): Outcome {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isTacitError(e)) return e.code;
    throw e;
  }
}

/** Streams `input` in pieces whose sizes come from the input's own bytes (deterministic per input). */
function streamed(input: Uint8Array): void {
  const d = new StreamDecoder({ maxSectionBytes: Number.MAX_SAFE_INTEGER });
  let pos = 0;
  let i = 0;
  while (pos < input.length) {
    const n = 1 + ((input[i++ % input.length]! * 7) % 23);
    d.push(input.subarray(pos, pos + n));
    pos += n;
  }
  d.end();
}

export const targets: FuzzTarget[] = [
  { name: 'bhttp-request', seeds, run: (input) => decodeRequest(input) },
  { name: 'bhttp-response', seeds, run: (input) => decodeResponse(input) },
  { name: 'bhttp-message', seeds, run: (input) => decodeMessage(input) },
  {
    name: 'bhttp-stream',
    seeds,
    run: (input) => {
      const a = outcome(() => decodeMessage(input));
      const b = outcome(() => streamed(input));
      if (a !== b) throw new Error(`whole decoder says ${a}, streaming decoder says ${b}`);
      if (a !== 'ok') throw decodeMessage(input); // report the typed error itself
    },
  },
  {
    name: 'bhttp-to-response-streaming',
    seeds,
    run: async (input) => {
      async function* source() {
        yield input.subarray(0, input.length >> 1);
        yield input.subarray(input.length >> 1);
      }
      const { response, trailers } = await toResponseStreaming(source());
      await response.arrayBuffer().catch((e: unknown) => {
        throw (e as { cause?: unknown }).cause ?? e;
      });
      await trailers;
    },
  },
  {
    name: 'varint',
    seeds: [hexToBytes('c2197c5eff14e88c'), hexToBytes('4025')],
    run: (input) => decodeVarint(input),
  },
];
