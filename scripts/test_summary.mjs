#!/usr/bin/env node
/**
 * One line at the end of `npm test` (`e2e/run-all-tests.sh`) with the counts of both test runners:
 *
 *   node scripts/test_summary.mjs --unit vitest.json --e2e playwright.json
 *
 * prints `[test] summary: unit 2101 passed, 3 skipped, 0 failed · e2e 41 passed, 0 skipped, 0 failed`. The inputs
 * are vitest's JSON reporter (jest's shape: numPassedTests, numPendingTests, numTodoTests, numFailedTests) and
 * Playwright's (stats: expected, skipped, unexpected, flaky); a runner that did not run (no file) says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

/** Counts from vitest's JSON report. */
export function vitestCounts(report) {
  return {
    passed: report.numPassedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    failed: report.numFailedTests ?? 0,
    // A file that fails before its tests run (an import error, missing ../shared data in CI) counts no test.
    failedFiles: (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length,
  };
}

/** Counts from Playwright's JSON report (a flaky test passed on a retry: counted as passed). */
export function playwrightCounts(report) {
  const s = report.stats ?? {};
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0, failed: s.unexpected ?? 0 };
}

const fmt = (name, c) =>
  c ? `${name} ${c.passed} passed, ${c.skipped} skipped, ${c.failed} failed${c.failedFiles ? ` (+${c.failedFiles} files failed to load)` : ''}` : `${name} did not run`;

export function summaryLine(unit, e2e) {
  return `[test] summary: ${fmt('unit', unit)} · ${fmt('e2e', e2e)}`;
}

function read(path, counts) {
  if (!path || !existsSync(path)) return null;
  try {
    return counts(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return null;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  console.log(summaryLine(read(arg('--unit'), vitestCounts), read(arg('--e2e'), playwrightCounts)));
}
