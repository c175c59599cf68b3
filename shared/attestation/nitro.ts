/**
 * AWS Nitro Enclaves attestation verification (AWS "Verifying the root of trust"):
 *
 *  1. Decode the COSE_Sign1 strictly; the protected header must say ES384 (-35).
 *  2. Decode the attestation document (nitro-document.ts).
 *  3. cabundle[0] must be the pinned AWS Nitro root (SHA-256 fingerprint of its DER); each following
 *     certificate must be signed by the previous one and be a CA; `certificate` (the enclave's leaf)
 *     must be signed by the last. Every certificate must be valid at the caller's clock `now`:
 *     never the machine clock implicitly, so a verifier can be replayed and tested at a fixed time.
 *  4. The COSE signature, raw r||s over Sig_structure with SHA-384, must verify under the leaf's
 *     P-384 key (WebCrypto ECDSA takes raw r||s, no DER conversion).
 *  5. The caller's policy: debug mode, PCRs, nonce, user data, public key, age.
 */
import { bytesToHex, equalBytes, hexToBytes } from '../bytes.ts';
import { invalidArgument, isTacitError } from '../errors.ts';
import { bufferSource, sha256 } from '../merkle/hash.ts';
import { COSE_ALG_ES384, decodeCoseSign1, sigStructure } from './cose.ts';
import { attestationError } from './errors.ts';
import {
  checkNitroPolicy,
  decodeNitroDocument,
  type NitroDocument,
  type NitroDocumentPolicy,
} from './nitro-document.ts';
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate } from './x509.ts';

/** SHA-256 of the DER of AWS Nitro Enclaves Root-G1 (CN=aws.nitro-enclaves), as AWS publishes it. */
export const AWS_NITRO_ROOT_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b';

export interface NitroPolicy extends NitroDocumentPolicy {
  /** SHA-256 fingerprint of the trusted root's DER; defaults to the AWS Nitro root. */
  readonly rootSha256?: string | Uint8Array;
}

function parseCert(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(bufferSource(der));
  } catch (e) {
    throw attestationError('chain', `${what} is not a certificate`, e);
  }
}

function checkValidity(cert: X509Certificate, now: Date, what: string): void {
  // RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter.
  const t = now.getTime();
  if (t < cert.notBefore.getTime() || t > cert.notAfter.getTime()) {
    throw attestationError('expired', `${what} is not valid at ${now.toISOString()}`);
  }
}

async function checkIssued(cert: X509Certificate, issuer: X509Certificate, what: string): Promise<void> {
  let ok = false;
  try {
    ok = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch (e) {
    throw attestationError('chain', `${what} signature cannot be checked`, e);
  }
  if (!ok) throw attestationError('chain', `${what} is not signed by its issuer`);
}

function checkCa(cert: X509Certificate, what: string): void {
  // RFC 5280 6.1.4 (k), (n): an issuing certificate must be a CA allowed to sign certificates.
  const bc = cert.getExtension(BasicConstraintsExtension);
  const ku = cert.getExtension(KeyUsagesExtension);
  if (!bc?.ca) throw attestationError('chain', `${what} is not a CA`);
  if (ku && (ku.usages & KeyUsageFlags.keyCertSign) === 0)
    throw attestationError('chain', `${what} may not sign certificates`);
}

/** Step 3: the chain from the pinned root to the leaf, at `now`. Returns the leaf. */
export async function verifyNitroChain(
  doc: NitroDocument,
  rootSha256: Uint8Array,
  now: Date,
): Promise<X509Certificate> {
  try {
    return await chainToLeaf(doc, rootSha256, now);
  } catch (e) {
    // @peculiar/x509 parses extensions lazily and throws its own errors on malformed DER.
    if (isTacitError(e)) throw e;
    throw attestationError('chain', 'a certificate cannot be parsed', e);
  }
}

async function chainToLeaf(doc: NitroDocument, rootSha256: Uint8Array, now: Date): Promise<X509Certificate> {
  if (!equalBytes(await sha256(doc.cabundle[0]!), rootSha256)) {
    throw attestationError('root', 'cabundle[0] is not the pinned root');
  }
  const chain = doc.cabundle.map((der, i) => parseCert(der, `cabundle[${i}]`));
  const leaf = parseCert(doc.certificate, 'certificate');
  for (const [i, cert] of chain.entries()) {
    checkValidity(cert, now, `cabundle[${i}]`);
    checkCa(cert, `cabundle[${i}]`);
    if (i > 0) await checkIssued(cert, chain[i - 1]!, `cabundle[${i}]`);
  }
  checkValidity(leaf, now, 'certificate');
  await checkIssued(leaf, chain[chain.length - 1]!, 'certificate');
  return leaf;
}

async function verifySignature(
  leaf: X509Certificate,
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  signature: Uint8Array,
) {
  if (signature.length !== 96) throw attestationError('signature', 'ES384 signature must be 96 bytes (r||s)');
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey(
      'spki',
      bufferSource(new Uint8Array(leaf.publicKey.rawData)),
      { name: 'ECDSA', namedCurve: 'P-384' },
      false,
      ['verify'],
    );
  } catch (e) {
    throw attestationError('chain', 'leaf key is not a P-384 key', e);
  }
  const ok = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-384' },
    key,
    bufferSource(signature),
    bufferSource(sigStructure(protectedBytes, payload)),
  );
  if (!ok) throw attestationError('signature', 'COSE signature does not verify');
}

export interface VerifiedNitroDocument extends NitroDocument {
  /** Hex SHA-256 fingerprint of the leaf certificate (for logs and audit). */
  readonly leafSha256: string;
}

/** Verifies a Nitro attestation document at `now` against `policy`. Throws AttestationError only. */
export async function verifyNitroAttestation(
  evidence: Uint8Array,
  policy: NitroPolicy,
  now: Date,
): Promise<VerifiedNitroDocument> {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw attestationError('malformed', 'a valid clock is required');
  const cose = decodeCoseSign1(evidence);
  if (cose.alg !== COSE_ALG_ES384) throw attestationError('algorithm', `COSE alg ${cose.alg} is not ES384`);
  const doc = decodeNitroDocument(cose.payload);
  const root = policy.rootSha256 ?? AWS_NITRO_ROOT_SHA256;
  if (typeof root === 'string' ? !/^[0-9a-fA-F]{64}$/.test(root) : root.length !== 32) {
    throw invalidArgument('rootSha256 must be a SHA-256 fingerprint');
  }
  const leaf = await verifyNitroChain(doc, typeof root === 'string' ? hexToBytes(root) : root, now);
  await verifySignature(leaf, cose.protectedBytes, cose.payload, cose.signature);
  checkNitroPolicy(doc, policy, now);
  return { ...doc, leafSha256: bytesToHex(await sha256(doc.certificate)) };
}
