/** MMPretrain `datasets/transforms/utils.py`: find and remove transforms in a pipeline config. */

type PipelineCfg = { type: string; [key: string]: unknown }[];

/** `get_transform_idx`: the index of the first transform of `target` type (a name or a list), or -1. */
export function getTransformIdx(pipeline: PipelineCfg, target: string | string[]): number {
  const names = typeof target === 'string' ? [target] : target;
  return pipeline.findIndex((t) => names.includes(t.type));
}

/** `remove_transform`: removes every transform of `target` type; in place unless `inplace` is false. */
export function removeTransform(pipeline: PipelineCfg, target: string | string[], inplace = false): PipelineCfg {
  const out = inplace ? pipeline : pipeline.map((t) => ({ ...t }));
  for (let i = getTransformIdx(out, target); i >= 0; i = getTransformIdx(out, target)) out.splice(i, 1);
  return out;
}
