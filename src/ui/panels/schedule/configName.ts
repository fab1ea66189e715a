/** MMPretrain config names state their GPU layout: `resnet50_32xb64-…` = 32 GPUs × 64 images. */
export function gpusFromConfigName(path: string | null | undefined): number | undefined {
  const m = /(\d+)xb(\d+)/.exec(path ?? '');
  return m ? Number(m[1]) : undefined;
}
