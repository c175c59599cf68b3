/**
 * The `aws-nitro` attestation provider: asks the Nitro Secure Module for an attestation document
 * whose `user_data` is the manifest hash and whose `nonce` is the verifier's (AWS "Nitro Enclaves
 * attestation process"). The document is verified by shared/attestation/nitro.ts.
 *
 * The NSM speaks CBOR over an ioctl on /dev/nsm (aws-nitro-enclaves-nsm-api, `nsm_process_request`):
 *   request  {"Attestation": {"user_data": bstr, "nonce": bstr, "public_key": null}}
 *   response {"Attestation": {"document": bstr}}  or  {"Error": "<ErrorCode>"}
 * Node cannot issue an ioctl without a native addon, so the transport is pluggable: by default the
 * CBOR request goes to a small helper program (TACIT_NSM_HELPER, e.g. a static `nsm-cbor` built from
 * the NSM API crate) on stdin and its CBOR response comes back on stdout. The CBOR framing and the
 * document handling here are the real path; only the ioctl sits behind the transport.
 *
 * Untestable here: no machine this project runs its tests on has /dev/nsm. The tests drive this
 * code through a fake transport that answers with AWS's published sample document.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { decode, encode } from 'cborg';
import { decodeCoseSign1 } from '../../shared/attestation/cose.ts';
import { decodeNitroDocument } from '../../shared/attestation/nitro-document.ts';
import { bytesToHex } from '../../shared/bytes.ts';
import { TacitError } from '../../shared/errors.ts';
import type { AttestationRequest, Attester } from './types.ts';

export const NSM_DEVICE = '/dev/nsm';

/** Sends one CBOR request to the NSM and returns its CBOR response. */
export type NsmTransport = (request: Uint8Array) => Promise<Uint8Array>;

export function encodeAttestationRequest(req: Partial<AttestationRequest>): Uint8Array {
  // NSM limits: user_data and nonce at most 512 bytes each.
  if ((req.nonce?.length ?? 0) > 512 || (req.userData?.length ?? 0) > 512) {
    throw new TacitError('ERR_INVALID_ARGUMENT', 'NSM nonce and user data are limited to 512 bytes');
  }
  return encode({
    Attestation: { user_data: req.userData ?? null, nonce: req.nonce ?? null, public_key: null },
  });
}

/** serde_cbor writes a Vec<u8> as an array of integers, a ByteBuf as a byte string: take both. */
function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Uint8Array.from(v);
  return undefined;
}

export function decodeAttestationResponse(bytes: Uint8Array): Uint8Array {
  let m: unknown;
  try {
    m = decode(bytes, { useMaps: false });
  } catch (cause) {
    throw new TacitError('ERR_MALFORMED', 'malformed NSM response', { cause });
  }
  const r = m as { Attestation?: { document?: unknown }; Error?: unknown };
  if (r?.Error !== undefined) throw new TacitError('ERR_TRANSPORT', `NSM refused: ${String(r.Error)}`);
  const doc = asBytes(r?.Attestation?.document);
  if (doc === undefined) throw new TacitError('ERR_MALFORMED', 'malformed NSM response');
  return doc;
}

/** The default transport: the helper program named by TACIT_NSM_HELPER, one process per request. */
export function helperTransport(command = process.env.TACIT_NSM_HELPER): NsmTransport {
  return (request) =>
    new Promise((resolve, reject) => {
      if (!existsSync(NSM_DEVICE)) {
        return reject(new TacitError('ERR_UNSUPPORTED', `no ${NSM_DEVICE}: not inside an AWS Nitro Enclave`));
      }
      if (command === undefined || command === '') {
        return reject(new TacitError('ERR_UNSUPPORTED', 'set TACIT_NSM_HELPER to the NSM helper program'));
      }
      const child = spawn(command, [], { stdio: ['pipe', 'pipe', 'ignore'] });
      const out: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.on('error', (cause) => reject(new TacitError('ERR_TRANSPORT', 'NSM helper failed', { cause })));
      child.on('close', (code) =>
        code === 0
          ? resolve(new Uint8Array(Buffer.concat(out)))
          : reject(new TacitError('ERR_TRANSPORT', `NSM helper exited with ${code}`)),
      );
      child.stdin.end(request);
    });
}

/**
 * Creates the provider: one attestation at start reads PCR0 (the enclave image measurement, which
 * receipts name), then every `attest` asks the NSM for a fresh document.
 */
export async function createNitroAttester(transport: NsmTransport = helperTransport()): Promise<Attester> {
  const ask = async (req: Partial<AttestationRequest>) =>
    decodeAttestationResponse(await transport(encodeAttestationRequest(req)));
  const first = decodeNitroDocument(decodeCoseSign1(await ask({})).payload);
  const pcr0 = first.pcrs.get(0);
  if (pcr0 === undefined) throw new TacitError('ERR_MALFORMED', 'NSM document without PCR0');
  return {
    provider: 'aws-nitro',
    measurement: bytesToHex(pcr0),
    attest: (req) => ask(req),
  };
}
