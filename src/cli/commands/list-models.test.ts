/**
 * `list-models --json` names exactly MMPretrain 1.2's models (every metafile imported by `configs/model-index.yml`,
 * read here independently with the `yaml` parser), with each one's config path and weights URL; the committed
 * `configs/model-index.json` is what the metafiles give (`model-index --check`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { main } from '../main';
import type { ListedModel } from './list-models';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
};

/** Name → [config, weights] straight from the metafiles. */
function metafileModels(): Map<string, [string | null, string | null]> {
  const index = parseYaml(readFileSync(join(root, 'configs/model-index.yml'), 'utf8')) as { Import: string[] };
  const out = new Map<string, [string | null, string | null]>();
  for (const f of index.Import) {
    const meta = parseYaml(readFileSync(join(root, f), 'utf8')) as { Models?: { Name: string; Config?: string; Weights?: string }[] };
    for (const m of meta.Models ?? []) out.set(m.Name, [m.Config ?? null, m.Weights ?? null]); // `Weights:` left empty reads as null
  }
  return out;
}

describe('mmpretrain-web list-models', () => {
  it('--json: exactly the metafiles’ model names, each with its config and weights', async () => {
    const c = capture();
    expect(await main(['list-models', '--json'], c.io)).toBe(0);
    const listed = JSON.parse(c.out.join('\n')) as ListedModel[];
    const want = metafileModels();
    expect(listed.length).toBe(want.size);
    expect(new Set(listed.map((m) => m.name))).toEqual(new Set(want.keys()));
    for (const m of listed) expect([m.config, m.weights], m.name).toEqual(want.get(m.name));
    const r50 = listed.find((m) => m.name === 'resnet50_8xb32_in1k')!;
    expect(r50).toMatchObject({ params: 25560000, flops: 4120000000, top1: 76.55, dataset: 'ImageNet-1k', tasks: ['Image Classification'] });
  });

  it('a pattern, exclusions and a task filter as list_models; the table names its models', async () => {
    const c = capture();
    expect(await main(['list-models', 'convnext-v2-a', '--json'], c.io)).toBe(0);
    expect((JSON.parse(c.out.join('\n')) as ListedModel[]).map((m) => m.name)).toEqual(['convnext-v2-atto_3rdparty-fcmae_in1k', 'convnext-v2-atto_fcmae-pre_3rdparty_in1k']);
    const t = capture();
    expect(await main(['list-models', 'swin', '--exclude', 'swinv2', '--exclude', '*-pre'], t.io)).toBe(0);
    const names = t.out.join('\n').split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toContain('swin-tiny_16xb64_in1k');
    expect(names.some((n) => n.startsWith('swinv2') || n.includes('-pre'))).toBe(false);
    expect(t.err.join('')).toBe(`${names.length} models`);
  });

  it('configs/model-index.json is current', async () => {
    const c = capture();
    expect(await main(['model-index', '--check'], c.io)).toBe(0);
  });
});
