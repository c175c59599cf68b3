/**
 * Fuzz targets for the verification decoders (`npm run fuzz -- verify`): signed notes, checkpoints,
 * tile paths, entry bundles, receipt fields and canonical receipts, COSE_Sign1 and Nitro documents.
 * Seeds are the known-answer vectors, so mutations start from valid structures.
 */

import { decodeCoseSign1 } from '../../shared/attestation/cose.ts';
import { decodeNitroDocument } from '../../shared/attestation/nitro-document.ts';
import { fromBase64, utf8 } from '../../shared/bytes.ts';
import { parseNote } from '../../shared/note/note.ts';
import { decodeReceiptField } from '../../shared/receipt/field.ts';
import { parseReceipt } from '../../shared/receipt/parse.ts';
import { parseCheckpoint } from '../../shared/tlog/checkpoint.ts';
import { decodeEntryBundle, encodeEntryBundle } from '../../shared/tlog/entries.ts';
import { parseTilePath } from '../../shared/tlog/tile.ts';
import { loadVector, loadVectorText } from '../support/vectors.ts';
import type { FuzzTarget } from './run.ts';

const note = loadVector<{ full_note: string }>('signed-note-vector.json').full_note;
const checkpoint = 'example.com/log\n42\nqINS1GRFhWHwdkUeqLEoP4lVFlZxKv7Ve5jtjNrhBwo=\n';
const nitro = fromBase64(loadVectorText('nitro-attestation-sample.cbor.b64').trim());
const receipt = utf8.encode('{"kid":"00","logIndex":1,"v":1}');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

export const targets: FuzzTarget[] = [
  { name: 'verify/note', seeds: [utf8.encode(note)], run: (b) => parseNote(b) },
  { name: 'verify/checkpoint', seeds: [utf8.encode(checkpoint)], run: (b) => parseCheckpoint(text(b)) },
  {
    name: 'verify/tile-path',
    seeds: [utf8.encode('tile/0/x001/234.p/5'), utf8.encode('tile/entries/000'), utf8.encode('tile/2/001')],
    run: (b) => parseTilePath(text(b)),
  },
  {
    name: 'verify/entry-bundle',
    seeds: [encodeEntryBundle([utf8.encode('a'), utf8.encode('bc')])],
    run: (b) => decodeEntryBundle(b),
  },
  {
    name: 'verify/receipt-field',
    seeds: [utf8.encode('eyJ2IjoxfQ.AAAA.AAAA')],
    run: (b) => decodeReceiptField(text(b)),
  },
  { name: 'verify/receipt', seeds: [receipt], run: (b) => parseReceipt(b) },
  { name: 'verify/cose-sign1', seeds: [nitro], run: (b) => decodeCoseSign1(b) },
  {
    name: 'verify/nitro-document',
    seeds: [decodeCoseSign1(nitro).payload],
    run: (b) => decodeNitroDocument(b),
  },
];
