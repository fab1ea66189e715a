/**
 * The CAM methods of pytorch-grad-cam 1.4 that MMPretrain's `tools/visualization/vis_cam.py` offers, by the
 * tool's names (case-insensitive: `GradCAM`, `gradcam++`, …).
 */
export const CAM_METHODS = ['GradCAM', 'GradCAM++', 'XGradCAM', 'EigenCAM', 'EigenGradCAM', 'LayerCAM'] as const;
export type CamMethod = (typeof CAM_METHODS)[number];

/** `METHOD_MAP` of vis_cam.py: lower-case names (and `gradcamplusplus`, the class name) → method. */
const BY_LOWER = new Map<string, CamMethod>([...CAM_METHODS.map((m) => [m.toLowerCase(), m] as [string, CamMethod]), ['gradcamplusplus', 'GradCAM++']]);

/** The method called `name` (any case); throws listing the supported names, as the tool does. */
export function parseCamMethod(name: string): CamMethod {
  const m = BY_LOWER.get(name.toLowerCase());
  if (!m) throw new Error(`invalid CAM type ${name}, supports ${[...BY_LOWER.keys()].join(', ')}.`);
  return m;
}

/** EigenCAM needs only activations (pytorch-grad-cam `uses_gradients=False`); every other method needs gradients. */
export function usesGradients(method: CamMethod): boolean {
  return method !== 'EigenCAM';
}

/** File-name form of a method (`gradcam++` → `gradcam++`), as `cam_<method>.npy`. */
export function methodFileName(method: CamMethod): string {
  return method.toLowerCase();
}
