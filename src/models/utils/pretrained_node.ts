/**
 * Node side of `Pretrained` init_cfgs (the CLI's `train`): a local `checkpoint` is read from disk; a URL is taken from
 * torch's hub cache (`$TORCH_HOME/hub/checkpoints`, else `~/.cache/torch/hub/checkpoints`), where mmengine's
 * `load_from_http` (through `torch.hub.load_state_dict_from_url`) keeps it, or downloaded into that cache. Hand the
 * result to `readPretrainedFiles` + `buildWithPretrained` (`pretrained.ts`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { checkpointFileName, findPretrainedInits, isCheckpointUrl, neededCheckpoints, type PretrainedFile } from './pretrained';

/** torch's hub checkpoint cache: `$TORCH_HOME/hub/checkpoints`, else `$XDG_CACHE_HOME/torch/…`, else `~/.cache/torch/…`. */
export function torchHubCheckpointsDir(env: NodeJS.ProcessEnv = process.env): string {
  const torchHome = env.TORCH_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

export interface NodePretrainedOptions {
  /** Where downloaded checkpoints are kept. Default: {@link torchHubCheckpointsDir}. */
  cacheDir?: string;
  /** Downloads a URL. Default: the global `fetch`. */
  fetchImpl?: (url: string) => Promise<Response>;
  /** Progress lines (`Downloading: … to …`). Default: none. */
  log?: (line: string) => void;
}

async function download(url: string, target: string, fetchImpl: NonNullable<NodePretrainedOptions['fetchImpl']>): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    throw new Error(`init_cfg Pretrained '${url}': the download failed (${e instanceof Error ? e.message : String(e)}); download it yourself into ${target} or give a local path`);
  }
  if (!res.ok) throw new Error(`init_cfg Pretrained '${url}': the download failed (HTTP ${res.status}); download it yourself into ${target} or give a local path`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const partial = `${target}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, target);
  return bytes;
}

/** The files for every `Pretrained` init_cfg of `cfg` (each checkpoint once). */
export async function pretrainedFilesForNode(cfg: unknown, { cacheDir = torchHubCheckpointsDir(), fetchImpl = (u) => fetch(u), log = () => {} }: NodePretrainedOptions = {}): Promise<PretrainedFile[]> {
  const out: PretrainedFile[] = [];
  for (const { checkpoint, refs } of neededCheckpoints(findPretrainedInits(cfg))) {
    if (!isCheckpointUrl(checkpoint)) {
      if (!existsSync(checkpoint)) throw new Error(`${refs.map((r) => r.key).join(', ')}: Pretrained checkpoint '${checkpoint}' does not exist`);
      out.push({ checkpoint, name: basename(checkpoint), data: new Uint8Array(readFileSync(checkpoint)) });
      continue;
    }
    const name = checkpointFileName(checkpoint);
    const cached = join(cacheDir, name);
    if (existsSync(cached)) {
      out.push({ checkpoint, name, data: new Uint8Array(readFileSync(cached)) });
      continue;
    }
    mkdirSync(cacheDir, { recursive: true });
    log(`Downloading: "${checkpoint}" to ${cached}`);
    out.push({ checkpoint, name, data: await download(checkpoint, cached, fetchImpl) });
  }
  return out;
}
