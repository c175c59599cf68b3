/**
 * Every suite (3 KEMs x 3 KDFs x 3 AEADs) across both backends in both directions, and against
 * @hpke/core as an independent implementation: a context set up by one side must open what the other
 * sealed and export the same secrets.
 */
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import {
  Aes128Gcm,
  Aes256Gcm,
  DhkemP256HkdfSha256,
  DhkemP384HkdfSha384,
  HkdfSha256,
  HkdfSha384,
  HkdfSha512,
  CipherSuite as RefSuite,
} from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import { bytesToHex, utf8 } from '../../../shared/bytes.ts';
import {
  AEAD,
  ALL_AEADS,
  ALL_KDFS,
  ALL_KEMS,
  CipherSuite,
  KDF,
  KEM,
  kemParams,
  webPrimitives,
} from '../../../shared/hpke/index.ts';
import { nodePrimitives } from '../../../shared/hpke/primitives-node.ts';

const BACKENDS = [webPrimitives, nodePrimitives];
const SUITES = ALL_KEMS.flatMap((kem) =>
  ALL_KDFS.flatMap((kdf) => ALL_AEADS.map((aead) => ({ kem, kdf, aead }))),
);
const info = utf8.encode('tacit cross-check');
const aad = utf8.encode('aad');
const msg = utf8.encode('a message that crosses backends');
const expCtx = utf8.encode('exporter context');

function refSuite(kem: number, kdf: number, aead: number): RefSuite {
  const k =
    kem === KEM.X25519_HKDF_SHA256
      ? new DhkemX25519HkdfSha256()
      : kem === KEM.P256_HKDF_SHA256
        ? new DhkemP256HkdfSha256()
        : new DhkemP384HkdfSha384();
  const f =
    kdf === KDF.HKDF_SHA256
      ? new HkdfSha256()
      : kdf === KDF.HKDF_SHA384
        ? new HkdfSha384()
        : new HkdfSha512();
  const a =
    aead === AEAD.AES_128_GCM
      ? new Aes128Gcm()
      : aead === AEAD.AES_256_GCM
        ? new Aes256Gcm()
        : new Chacha20Poly1305();
  return new RefSuite({ kem: k, kdf: f, aead: a });
}

describe.each(SUITES)('suite kem=$kem kdf=$kdf aead=$aead', ({ kem, kdf, aead }) => {
  const curve = kemParams(kem).curve;

  it.each([
    [webPrimitives, nodePrimitives],
    [nodePrimitives, webPrimitives],
  ])('sender on %s, recipient on the other', async (a, b) => {
    const r = await b.generateKeyPair(curve);
    const sender = new CipherSuite(a, kem, kdf, aead);
    const recipient = new CipherSuite(b, kem, kdf, aead);
    const { enc, context } = await sender.setupSender(r.publicKey, info);
    const rx = await recipient.setupRecipient(enc, r, info);
    for (let i = 0; i < 3; i++) {
      const ct = await context.seal(aad, msg);
      expect(bytesToHex(await rx.open(aad, ct))).toBe(bytesToHex(msg));
    }
    expect(bytesToHex(await context.export(expCtx, 42))).toBe(bytesToHex(await rx.export(expCtx, 42)));
    await expect(rx.open(aad, await context.seal(utf8.encode('other aad'), msg))).rejects.toMatchObject({
      code: 'ERR_DECRYPT',
    });
  });

  it.each(BACKENDS)('agrees with @hpke/core both ways on %s', async (p) => {
    const ref = refSuite(kem, kdf, aead);
    const ours = new CipherSuite(p, kem, kdf, aead);
    // ours -> @hpke/core
    const rPair = await p.generateKeyPair(curve);
    const rKey = await ref.kem.deserializePrivateKey(await p.exportPrivateKey(rPair));
    const { enc, context } = await ours.setupSender(rPair.publicKey, info);
    const refRx = await ref.createRecipientContext({
      recipientKey: rKey,
      enc: enc.slice().buffer,
      info: info.slice().buffer,
    });
    const ct = await context.seal(aad, msg);
    expect(bytesToHex(new Uint8Array(await refRx.open(ct.slice().buffer, aad.slice().buffer)))).toBe(
      bytesToHex(msg),
    );
    expect(bytesToHex(new Uint8Array(await refRx.export(expCtx.slice().buffer, 32)))).toBe(
      bytesToHex(await context.export(expCtx, 32)),
    );
    // @hpke/core -> ours
    const refPk = await ref.kem.deserializePublicKey(rPair.publicKey.slice().buffer);
    const refTx = await ref.createSenderContext({ recipientPublicKey: refPk, info: info.slice().buffer });
    const refCt = new Uint8Array(await refTx.seal(msg.slice().buffer, aad.slice().buffer));
    const rx = await ours.setupRecipient(new Uint8Array(refTx.enc), rPair, info);
    expect(bytesToHex(await rx.open(aad, refCt))).toBe(bytesToHex(msg));
  });
});
