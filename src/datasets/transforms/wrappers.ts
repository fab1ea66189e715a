/** MMPretrain `wrappers.py`: `MultiView` runs several pipelines on copies of one sample. */
import { assert } from '../../utils/assert';
import { BaseTransform, parseOptions, type Results, type TransformCfg } from './base';
import { buildTransform, type TransformSpec } from './compose';

/**
 * `MultiView(transforms=[[...], [...]], num_views=[2, 6])`: `results.img` becomes the list of views;
 * each view's drawn parameters are recorded under `random_params.MultiView[i]`.
 */
export class MultiView extends BaseTransform {
  readonly typeName = 'MultiView';
  private readonly views: BaseTransform[][];

  constructor(cfg?: TransformCfg) {
    super();
    const o = parseOptions('MultiView', cfg, { transforms: [] as TransformSpec[][], num_views: 1 as number | number[] }, ['transforms', 'num_views']);
    const pipes = o.transforms;
    assert(Array.isArray(pipes) && pipes.every(Array.isArray), () => 'MultiView: transforms must be a list of pipelines (lists of transform dicts)');
    const counts = typeof o.num_views === 'number' ? pipes.map(() => o.num_views as number) : o.num_views;
    assert(counts.length === pipes.length, () => `MultiView: ${counts.length} num_views for ${pipes.length} pipelines`);
    const built = pipes.map((p, i) => p.map((t, j) => buildTransform(t, `MultiView.transforms[${i}][${j}]`)));
    this.views = built.flatMap((p, i) => Array.from({ length: counts[i] }, () => p));
  }

  transform(results: Results): Results {
    const replay = results.replay_params?.MultiView as Record<string, unknown>[] | undefined;
    const imgs: unknown[] = [];
    const drawn: Record<string, unknown>[] = [];
    this.views.forEach((pipe, i) => {
      let r: Results | null = { ...results, random_params: {}, replay_params: replay?.[i] };
      for (const t of pipe) if (r) r = t.transform(r);
      assert(r, () => `MultiView: view ${i} dropped the sample`);
      imgs.push(r.img);
      drawn.push(r.random_params ?? {});
    });
    (results.random_params ??= {}).MultiView = drawn;
    results.img = imgs as unknown as Results['img'];
    return results;
  }
}

/** Builds a sub-pipeline from a list of transform dicts (or a single one). */
function buildList(spec: unknown, where: string): BaseTransform[] {
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((t, i) => buildTransform(t as TransformSpec, `${where}[${i}]`));
}

function runList(list: BaseTransform[], results: Results): Results | null {
  let r: Results | null = results;
  for (const t of list) if (r) r = t.transform(r);
  return r;
}

/** mmcv `RandomApply(transforms, prob)`: runs the sub-pipeline with probability `prob` (draw: `{apply}`). */
export class RandomApply extends BaseTransform {
  readonly typeName = 'RandomApply';
  private readonly transforms: BaseTransform[];
  private readonly prob: number;

  constructor(cfg?: TransformCfg) {
    super();
    const o = parseOptions('RandomApply', cfg, { transforms: [] as TransformSpec[], prob: 0.5 }, ['transforms']);
    assert(typeof o.prob === 'number' && o.prob >= 0 && o.prob <= 1, () => `RandomApply: prob must be in [0, 1], got ${JSON.stringify(o.prob)}`);
    this.prob = o.prob;
    this.transforms = buildList(o.transforms, 'RandomApply.transforms');
  }

  transform(results: Results): Results | null {
    const { apply } = this.drawParams(results, (rng) => ({ apply: rng.random() < this.prob }));
    return apply ? runList(this.transforms, results) : results;
  }
}

/** mmcv `RandomChoice(transforms, prob)`: runs one of several sub-pipelines (draw: `{index}`). */
export class RandomChoice extends BaseTransform {
  readonly typeName = 'RandomChoice';
  private readonly pipelines: BaseTransform[][];
  private readonly prob: number[] | null;

  constructor(cfg?: TransformCfg) {
    super();
    const o = parseOptions('RandomChoice', cfg, { transforms: [] as TransformSpec[][], prob: null as number[] | null }, ['transforms']);
    assert(Array.isArray(o.transforms) && o.transforms.length > 0, () => 'RandomChoice: transforms must be a non-empty list of pipelines');
    this.pipelines = o.transforms.map((p, i) => buildList(p, `RandomChoice.transforms[${i}]`));
    if (o.prob !== null) {
      assert(Array.isArray(o.prob) && o.prob.length === this.pipelines.length, () => `RandomChoice: ${o.prob?.length} probs for ${this.pipelines.length} pipelines`);
      const sum = o.prob.reduce((a, b) => a + b, 0);
      assert(Math.abs(sum - 1) < 1e-6, () => `RandomChoice: probs must sum to 1, got ${sum}`);
    }
    this.prob = o.prob;
  }

  transform(results: Results): Results | null {
    const { index } = this.drawParams(results, (rng) => ({ index: this.prob ? rng.choice(this.prob) : rng.randint(0, this.pipelines.length) }));
    assert(Number.isInteger(index) && index >= 0 && index < this.pipelines.length, () => `RandomChoice: replayed index ${index} out of range`);
    return runList(this.pipelines[index], results);
  }
}
