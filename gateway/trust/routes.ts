/**
 * The trust layer's HTTP routes, mounted on the gateway's outer app (they carry nothing private):
 *
 *   GET /attestation?nonce=<base64url, 8..64 bytes>
 *       200 application/json { provider, evidence, manifest, warning? }: fresh evidence for that
 *       nonce whose user data is SHA-256(manifest); evidence and manifest are base64url.
 *   GET /log/checkpoint                     C2SP signed note (c2sp.org/tlog-checkpoint)
 *   GET /log/tile/<L>/<N>[.p/<W>]           hash tiles (c2sp.org/tlog-tiles)
 *   GET /log/tile/entries/<N>[.p/<W>]       entry bundles: signed receipts without their salts
 *
 * The log follows c2sp.org/tlog-tiles, so any tlog-tiles client reads it with the prefix `/log/`:
 * full tiles never change (cached for a year, immutable), the checkpoint and partial tiles are
 * re-fetched. A tile the current tree does not have is a 404.
 */
import type { Hono } from 'hono';
import { decodeBase64Url, encodeBase64Url } from '../../shared/note/base64.ts';
import { problem } from '../../shared/problem.ts';
import { parseTilePath, TILE_WIDTH } from '../../shared/tlog/tile.ts';
import type { Trust } from './trust.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const FRESH = 'no-cache';

function notFound(): Response {
  return new Response(JSON.stringify(problem(404, 'not found')), {
    status: 404,
    headers: { 'content-type': 'application/problem+json', 'cache-control': FRESH },
  });
}

function badRequest(title: string): Response {
  return new Response(JSON.stringify(problem(400, title)), {
    status: 400,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  });
}

function bytes(data: Uint8Array, cache: string): Response {
  return new Response(data as Uint8Array<ArrayBuffer>, {
    headers: { 'content-type': 'application/octet-stream', 'cache-control': cache },
  });
}

export function mountTrustRoutes(app: Hono, trust: Trust): void {
  app.get('/attestation', async (c) => {
    let nonce: Uint8Array;
    try {
      nonce = decodeBase64Url(c.req.query('nonce') ?? '', 'nonce');
    } catch {
      return badRequest('nonce must be base64url');
    }
    if (nonce.length < 8 || nonce.length > 64) return badRequest('nonce must be 8 to 64 bytes');
    const { provider, evidence, manifest, warning } = await trust.attest(nonce);
    const body = {
      provider,
      evidence: encodeBase64Url(evidence),
      manifest: encodeBase64Url(manifest),
      ...(warning === undefined ? {} : { warning }),
    };
    return c.json(body, 200, { 'cache-control': 'no-store' });
  });

  app.get('/log/checkpoint', async () => {
    return new Response(await trust.log.checkpoint(), {
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': FRESH },
    });
  });

  app.get('/log/tile/*', async (c) => {
    let parsed: ReturnType<typeof parseTilePath>;
    try {
      parsed = parseTilePath(c.req.path.slice('/log/'.length));
    } catch {
      return notFound();
    }
    if (parsed.kind === 'entries') {
      const data = await trust.log.entries(parsed.index, parsed.width);
      return data === undefined ? notFound() : bytes(data, parsed.width === TILE_WIDTH ? IMMUTABLE : FRESH);
    }
    const data = trust.log.tile(parsed.tile);
    return data === undefined
      ? notFound()
      : bytes(data, parsed.tile.width === TILE_WIDTH ? IMMUTABLE : FRESH);
  });
}
