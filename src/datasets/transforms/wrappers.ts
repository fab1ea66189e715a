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
