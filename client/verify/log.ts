/**
 * Following the transparency log (a C2SP tlog-tiles log): the client keeps the last checkpoint it
 * verified, and every newer checkpoint must be signed by the attested log key and prove consistent
 * with it (RFC 9162 2.1.4, from tiles); a log that shrinks or forks is refused. Inclusion of a
 * receipt is proved from tiles against a checkpoint at least as large as its index.
 */
import { TacitError } from '../../shared/errors.ts';
import { type NoteVerifier, parseVerifierKey } from '../../shared/note/keys.ts';
import { type Checkpoint, openCheckpoint } from '../../shared/tlog/checkpoint.ts';
import { type Tile, tilePath } from '../../shared/tlog/tile.ts';
import {
  type TileReader,
  verifyConsistencyFromTiles,
  verifyInclusionFromTiles,
} from '../../shared/tlog/tile-reader.ts';
import type { VerifiedReceipt } from './receipt.ts';

export class LogFollower {
  private last: Checkpoint | undefined;
  private verifier: Promise<NoteVerifier> | undefined;
  private readonly base: URL;

  constructor(
    base: string | URL,
    private readonly log: { readonly origin: string; readonly key: string },
    private readonly transport: typeof fetch,
    /** A checkpoint seen before (e.g. persisted by the app), to stay consistent across restarts. */
    last?: Checkpoint,
  ) {
    this.base = new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`);
    this.last = last;
  }

  /** The newest checkpoint verified so far. */
  get latest(): Checkpoint | undefined {
    return this.last;
  }

  readonly readTile: TileReader = async (t: Tile) => {
    const res = await this.transport(new URL(tilePath(t), this.base));
    if (!res.ok) {
      await res.body?.cancel();
      throw new TacitError('ERR_TRANSPORT', `log tile ${tilePath(t)}: ${res.status}`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };

  /** Fetches the current checkpoint, verifies it and its consistency with the last one. */
  async refresh(): Promise<Checkpoint> {
    this.verifier ??= parseVerifierKey(this.log.key);
    const res = await this.transport(new URL('checkpoint', this.base));
    if (!res.ok) {
      await res.body?.cancel();
      throw new TacitError('ERR_TRANSPORT', `log checkpoint: ${res.status}`);
    }
    const cp = await openCheckpoint(
      new Uint8Array(await res.arrayBuffer()),
      [await this.verifier],
      this.log.origin,
    );
    const prev = this.last;
    if (prev !== undefined) {
      if (cp.size < prev.size)
        throw new TacitError('ERR_VERIFY', `the log shrank from ${prev.size} to ${cp.size} entries`);
      try {
        await verifyConsistencyFromTiles(prev, cp, this.readTile);
      } catch (e) {
        throw new TacitError('ERR_VERIFY', 'the new checkpoint is not consistent with the last one seen', {
          cause: e,
        });
      }
    }
    this.last = cp;
    return cp;
  }

  /** Proves the receipt's entry is in the log; returns the checkpoint it was proved against. */
  async proveInclusion(r: VerifiedReceipt): Promise<Checkpoint> {
    let cp = this.last;
    if (cp === undefined || cp.size <= r.receipt.logIndex) cp = await this.refresh();
    if (cp.size <= r.receipt.logIndex) {
      throw new TacitError(
        'ERR_VERIFY',
        `the log (size ${cp.size}) does not yet contain entry ${r.receipt.logIndex}`,
      );
    }
    try {
      await verifyInclusionFromTiles(r.leafHash, r.receipt.logIndex, cp, this.readTile);
    } catch (e) {
      throw new TacitError('ERR_VERIFY', `receipt ${r.receipt.logIndex} is not in the log`, { cause: e });
    }
    return cp;
  }
}
