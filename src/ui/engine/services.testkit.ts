/**
 * What the engine-service tests share: the services on WASM behind an inline RPC port (as the page's fallback runs
 * them), and the reference files they load (the dog photo, `shared/reference/models` configs) as transferable bytes.
 */
import { readFileSync } from 'node:fs';
import { useBackend } from '../../models/node';
import { refPath } from '../../models/testing/reference';
import { sharedPath } from '../../testing/shared';
import { connect, inlinePort, transfer, type RpcClient } from '../../utils/rpc/rpc';
import { ENGINE_LANES } from './lanes';
import { createEngineServices, type EngineServices } from './services';

export const dog = sharedPath('data/images/dog.jpg');

/** A file's bytes in an ArrayBuffer of their own (safe to transfer). */
export function bytes(path: string): ArrayBuffer {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The `_cfg.json` model config of a reference model. */
export const cfgOf = (name: string) => JSON.parse(readFileSync(refPath(name, '_cfg.json'), 'utf8')) as Record<string, unknown>;

/** `b`, moved (not copied) to the other side. */
export const moved = (b: ArrayBuffer) => transfer(b, [b]);

/** The engine services on WASM through an inline port: `engine` is the typed client; `close` ends the port. */
export function inlineEngine(): { engine: RpcClient<EngineServices>; close: () => void } {
  const port = inlinePort(
    useBackend('wasm').then(() => createEngineServices({ startBackend: async () => 'wasm' })),
    ENGINE_LANES,
  );
  return { engine: connect<EngineServices>(port).api, close: () => port.close() };
}
