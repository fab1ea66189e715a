/** Photometric and auto-augment transforms for `register_all.ts` (filled in as they land). */
import type { Constructor } from '../../registry';

export const TRANSFORM_CLASSES_PHOTOMETRIC: [string, Constructor][] = [];
