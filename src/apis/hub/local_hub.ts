/**
 * A local checkpoint host for tests (Node only): `node:http` on 127.0.0.1 at a random port, serving files under the
 * paths of their metafile URLs (`/mmclassification/v0/lenet/…-b60bd18b.pth`, optionally below a prefix), with
 * HTTP Range (206 + Content-Range, 416 past the end) and faults to script: drop the connection after N body bytes,
 * ignore Range (answer 200 with the whole file), or end a body early without a Content-Length. Every request is
 * logged with its Range header and the status served. Nothing it serves is cached (`Cache-Control: no-store`).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Faults for the next requests of one path; each list is consumed one entry per request (then: none). */
export interface HubFaults {
  /** Destroy the socket after this many body bytes of the response. */
  dropAfter?: number[];
  /** With `dropAfter`: hold the connection open this many ms before destroying it (a stalled transfer a page can show). */
  holdMs?: number;
  /** Answer 200 with the whole file whatever the Range header says. */
  ignoreRange?: boolean;
  /** Send no Content-Length and end the body cleanly after this many bytes (a silently truncated file). */
  endAfter?: number[];
  /** Answer with this status and no body. */
  status?: number[];
}

export interface HubRequest {
  path: string;
  range: string | null;
  status: number;
  /** Body bytes sent (before any drop). */
  sent: number;
}

/** sha256 hex of bytes (node:crypto, independent of the downloader's). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class LocalHub {
  readonly files = new Map<string, Uint8Array>();
  readonly faults = new Map<string, HubFaults>();
  readonly log: HubRequest[] = [];
  /** Bytes per `write` (the body goes out in pieces, so that a client sees several chunks). */
  chunkBytes = 64 << 10;
  /** Answer as a CDN does to a page of another origin: CORS headers (Range allowed, lengths exposed), preflights, CORP. */
  cors = false;
  private server = createServer((req, res) => this.handle(req, res));
  private port = 0;

  /** Starts listening on 127.0.0.1 at a free port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** `http://127.0.0.1:PORT` (plus `prefix`). */
  base(prefix = ''): string {
    return `http://127.0.0.1:${this.port}${prefix}`;
  }

  /** Serves `bytes` at `path` (the metafile URL's path, with the hub prefix if any). */
  serve(path: string, bytes: Uint8Array, faults: HubFaults = {}): void {
    this.files.set(path, bytes);
    this.faults.set(path, faults);
  }

  /** Stops listening and cuts every open connection. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Cache-Control', 'no-store');
    if (this.cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Range' }).end();
        return;
      }
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range ?? null;
    const entry: HubRequest = { path, range, status: 0, sent: 0 };
    this.log.push(entry);
    const file = this.files.get(path);
    if (!file) {
      entry.status = 404;
      res.writeHead(404).end();
      return;
    }
    const f = this.faults.get(path) ?? {};
    const status = f.status?.shift();
    if (status) {
      entry.status = status;
      res.writeHead(status).end();
      return;
    }
    const dropAfter = f.dropAfter?.shift();
    const endAfter = f.endAfter?.shift();
    let start = 0;
    const m = range && !f.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= file.length) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${file.length}` }).end();
        return;
      }
      entry.status = 206;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${file.length - 1}/${file.length}`, 'Content-Length': file.length - start, 'Accept-Ranges': 'bytes' });
    } else {
      entry.status = 200;
      res.writeHead(200, endAfter === undefined ? { 'Content-Length': file.length, 'Accept-Ranges': 'bytes' } : {});
    }
    const body = file.subarray(start);
    const limit = Math.min(body.length, dropAfter ?? Infinity, endAfter ?? Infinity);
    let at = 0;
    const next = () => {
      if (at >= limit) {
        if (dropAfter !== undefined && limit < body.length) setTimeout(() => res.socket?.destroy(), f.holdMs ?? 0);
        else res.end();
        return;
      }
      const piece = body.subarray(at, Math.min(limit, at + this.chunkBytes));
      at += piece.length;
      entry.sent = at;
      res.write(piece, (err) => (err ? res.destroy() : next())); // next piece once this one is with the OS
    };
    next();
  }
}
