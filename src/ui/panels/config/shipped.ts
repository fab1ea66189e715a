/** The shipped `configs/**.py` tree, bundled as text by Vite (browser only). */
import { MemoryFS } from '../../../config';
import { StudioConfigFS } from './studioFs';

const texts = import.meta.glob('/configs/**/*.py', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Path (`configs/resnet/…py`) → text. */
export function shippedConfigTexts(): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([p, t]) => [p.replace(/^\//, ''), t]));
}

/** The page's config file system (one per page: dropped files stay while you switch panels). */
export const studioFs = new StudioConfigFS(new MemoryFS(shippedConfigTexts()));
