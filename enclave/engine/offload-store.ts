/**
 * Where KV blocks go when they leave the pool: host memory first, then disk. Paused agent sessions and
 * swapped-out sequences park their blocks here and get them back before they run again.
 *
 * The disk tier holds plaintext activations of someone's conversation, so every entry is sealed with
 * AES-256-GCM under a key drawn at random when the store is created; the key lives only in this
 * process's memory and dies with it, so files left behind by a crash are unreadable. Each entry has a
 * fresh 96-bit nonce (NIST SP 800-38D 8.2.2: random nonces, far below 2^32 uses per key) and its
 * handle and length as additional data, so entries cannot be swapped or truncated undetected. A
 * failed open throws the project's single decryption error (shared/errors.ts), nothing more specific.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptError } from '../../shared/errors.ts';

export type Tier = 'host' | 'disk';

export interface OffloadStoreOptions {
  /** Bytes of host memory for offloaded blocks; older entries spill to disk past it. */
  hostBytes: number;
  /** Parent directory for the disk tier (a private subdirectory is created in it). */
  dir?: string;
}

const NONCE = 12;
const TAG = 16;

export class OffloadStore {
  private readonly key = randomBytes(32);
  private readonly host = new Map<number, Float32Array>();
  private readonly disk = new Map<number, number>(); // handle -> float count
  private readonly hostLimit: number;
  private readonly parent: string;
  private dirPath: string | undefined;
  private next = 1;
  hostBytes = 0;
  diskBytes = 0;
  /** Entries ever written to disk (for stats). */
  spills = 0;

  constructor(opts: OffloadStoreOptions) {
    this.hostLimit = opts.hostBytes;
    this.parent = opts.dir ?? tmpdir();
  }

  /** Stores a copy of `data`; returns its handle. */
  put(data: Float32Array): number {
    const handle = this.next++;
    this.host.set(handle, data.slice());
    this.hostBytes += data.byteLength;
    this.spill();
    return handle;
  }

  tier(handle: number): Tier | undefined {
    return this.host.has(handle) ? 'host' : this.disk.has(handle) ? 'disk' : undefined;
  }

  /** The entry's data; a disk entry is opened and checked. Throws TacitError ERR_DECRYPT if tampered. */
  get(handle: number): Float32Array {
    const h = this.host.get(handle);
    if (h !== undefined) return h;
    const floats = this.disk.get(handle);
    if (floats === undefined) throw new RangeError(`no offloaded entry ${handle}`);
    let plain: Buffer;
    try {
      const file = readFileSync(this.pathOf(handle));
      const d = createDecipheriv('aes-256-gcm', this.key, file.subarray(0, NONCE));
      d.setAAD(aad(handle, floats));
      d.setAuthTag(file.subarray(file.length - TAG));
      plain = Buffer.concat([d.update(file.subarray(NONCE, file.length - TAG)), d.final()]);
    } catch (e) {
      throw decryptError(e);
    }
    if (plain.length !== floats * 4) throw decryptError();
    const out = new Float32Array(floats);
    new Uint8Array(out.buffer).set(plain);
    return out;
  }

  /** Removes the entry from whichever tier holds it. */
  delete(handle: number): void {
    const h = this.host.get(handle);
    if (h !== undefined) {
      this.host.delete(handle);
      this.hostBytes -= h.byteLength;
      return;
    }
    const floats = this.disk.get(handle);
    if (floats === undefined) return;
    this.disk.delete(handle);
    this.diskBytes -= floats * 4;
    try {
      unlinkSync(this.pathOf(handle));
    } catch {
      // Already gone: nothing to free.
    }
  }

  /** The file of a disk entry (tests tamper with it). */
  pathOf(handle: number): string {
    this.dirPath ??= mkdtempSync(join(this.parent, 'tacit-kv-'));
    return join(this.dirPath, `${handle}.kv`);
  }

  close(): void {
    this.host.clear();
    this.disk.clear();
    this.hostBytes = 0;
    this.diskBytes = 0;
    if (this.dirPath !== undefined) rmSync(this.dirPath, { recursive: true, force: true });
    this.dirPath = undefined;
  }

  /** Moves the oldest host entries to disk until the host tier fits its budget. */
  private spill(): void {
    for (const [handle, data] of this.host) {
      if (this.hostBytes <= this.hostLimit) break;
      const nonce = randomBytes(NONCE);
      const c = createCipheriv('aes-256-gcm', this.key, nonce);
      c.setAAD(aad(handle, data.length));
      const body = Buffer.concat([
        nonce,
        c.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
        c.final(),
        c.getAuthTag(),
      ]);
      writeFileSync(this.pathOf(handle), body, { mode: 0o600 });
      this.host.delete(handle);
      this.hostBytes -= data.byteLength;
      this.disk.set(handle, data.length);
      this.diskBytes += data.byteLength;
      this.spills++;
    }
  }
}

function aad(handle: number, floats: number): Buffer {
  return Buffer.from(`tacit-kv\0${handle}\0${floats}`);
}
