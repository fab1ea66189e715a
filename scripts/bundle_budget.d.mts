/** Types of `bundle_budget.mjs` (for its unit test, `src/testing/bundle_budget.test.ts`). */
export interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}
export interface ChunkSize {
  file: string;
  raw: number;
  gzip: number;
  initial: boolean;
}
export const DEFAULT_BUDGET_KB: number;
export function gzipSize(bytes: Uint8Array): number;
export function initialFiles(manifest: Record<string, ManifestChunk>): string[];
export function measureChunks(distDir: string, initial: string[]): ChunkSize[];
export function report(chunks: ChunkSize[], budgetKb?: number): { lines: string[]; ok: boolean; initialGzip: number };
export function main(argv?: string[], log?: (line: string) => void): number;
