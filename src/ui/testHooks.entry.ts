/**
 * Second entry of the page in `vite build --mode e2e` and the dev server only (`vite.config.ts` adds it to
 * index.html): installs `window.__mmpw` and `window.__mmpwBench` before the page's load event, so tests and
 * `bench-browser` find them as soon as `page.goto` returns. The production build has neither.
 */
import { installTestHooks } from './testHooks';

installTestHooks();
