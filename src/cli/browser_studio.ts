/**
 * The studio in real Chromium for the browser benchmarks: builds it (`vite build`, e2e mode: the page's test and
 * bench hooks) into a temporary folder, serves it (`vite preview`, cross-origin isolated so WASM runs threaded) and
 * starts Debian's Chromium with the Playwright tests' flags.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from '@playwright/test';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServedStudio {
  url: string;
  close(): Promise<void>;
}

/** Builds the studio into a temporary folder and serves it; `close` stops the server and removes the folder. */
export async function serveStudio(log: (s: string) => void): Promise<ServedStudio> {
  const { build, preview } = await import('vite');
  const outDir = mkdtempSync(join(tmpdir(), 'mmpretrain-web-bench-'));
  log(`building the studio (vite build → ${outDir})…`);
  await build({ root: REPO, mode: 'e2e', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const server = await preview({ root: REPO, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** A studio already served at `url` (`--url`), or a fresh build served here. */
export async function studioAt(url: string | undefined, log: (s: string) => void): Promise<ServedStudio> {
  return url ? { url: url.replace(/\/+$/, ''), close: async () => {} } : serveStudio(log);
}

/** Chromium's flags, as the Playwright tests launch it (`playwright.config.ts`). */
async function chromiumArgs(): Promise<string[]> {
  const config = (await import('../../playwright.config')).default as { use?: { launchOptions?: { args?: string[] } } };
  return config.use?.launchOptions?.args ?? ['--enable-unsafe-webgpu', '--no-sandbox'];
}

/** Chromium's binary (`path`, else $CHROMIUM_PATH, else /usr/bin/chromium), the tests' flags, and the error that names a failed start. */
async function chromiumLaunch(path?: string) {
  const { chromium } = await import('@playwright/test');
  const executablePath = path ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const failed = (e: unknown): never => {
    throw new Error(`cannot start Chromium at ${executablePath} (set --chromium or CHROMIUM_PATH): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  };
  return { chromium, options: { executablePath, args: await chromiumArgs() }, failed };
}

/** Starts Chromium with the tests' flags. */
export async function launchChromium(path?: string): Promise<Browser> {
  const { chromium, options, failed } = await chromiumLaunch(path);
  return chromium.launch(options).catch(failed);
}

/**
 * Chromium as {@link launchChromium} starts it, with a profile in `userDataDir`: unlike a fresh (incognito-like)
 * context's, its Origin Private File System is on disk, not in the browser's memory.
 */
export async function launchPersistentChromium(userDataDir: string, path?: string): Promise<BrowserContext> {
  const { chromium, options, failed } = await chromiumLaunch(path);
  return chromium.launchPersistentContext(userDataDir, options).catch(failed);
}
