/**
 * The run's `scalars.json` as the Logs panel holds it (a `LoadedLog`), kept up to date by parsing only the records
 * that arrived since the last update: N progress events cost the N records' lines, never the whole file again.
 * The result is exactly what `loadJsonLog(scalarsJsonText(all records))` gives (line numbers, skipped lines,
 * dropped keys), so the Logs panel shows the live run as it would show the file.
 */
import { loadJsonLog, type LoadedLog } from '../../../tools/analysis_tools/load_json_log';
import { scalarsJsonText, type Series } from './runState';

export class IncrementalScalarsLog {
  private log: LoadedLog | null = null;
  private items: readonly Record<string, number>[] | null = null;
  private consumed = 0;

  /** `parse` is the Logs panel's parser (a test counts the lines it is given). */
  constructor(
    readonly name: string,
    private readonly parse: typeof loadJsonLog = loadJsonLog,
  ) {}

  /**
   * The log of `records`. A series that grew from the last one (same array, longer) parses only its new records; any
   * other (a new run, a rewind after a lost backend) starts over. Returns a new object whenever records were added.
   */
  update(records: Series<Record<string, number>>): LoadedLog {
    if (this.log && records.items === this.items && records.length === this.consumed) return this.log;
    if (this.log && !continues(this.items!, this.consumed, records)) {
      // A rewind (a lost backend: the later iterations run again) keeps the lines before it; anything else starts over.
      const n = records.length;
      const prefix = n > 0 && n <= this.consumed && records.items[n - 1] === this.items![n - 1];
      this.log = prefix && !Object.keys(this.log.droppedKeys).length ? cut(this.log, n) : null;
      this.consumed = this.log ? n : 0;
    }
    if (!this.log) this.consumed = 0;
    const fresh = records.items.slice(this.consumed, records.length);
    const chunk = this.parse(scalarsJsonText(fresh), this.name, this.log ? { format: this.log.format } : {});
    this.items = records.items;
    this.consumed = records.length;
    this.log = this.log ? merge(this.log, chunk) : chunk;
    return this.log;
  }
}

/** Whether `records` holds the `consumed` records of `items` first (the same array, or a copy of its start). */
function continues(items: readonly Record<string, number>[], consumed: number, records: Series<Record<string, number>>): boolean {
  if (records.length < consumed) return false;
  return records.items === items || consumed === 0 || records.items[consumed - 1] === items[consumed - 1];
}

/** The log of the file's first `n` lines (no key was dropped from them: `droppedKeys` stays empty). */
function cut(log: LoadedLog, n: number): LoadedLog {
  const keep = <T extends { line: number }>(a: T[]) => a.filter((r) => r.line <= n);
  return { ...log, train: keep(log.train), val: keep(log.val), skipped: keep(log.skipped), lineCount: n };
}

/** `chunk` (the next lines of the file) after `log`: line numbers shifted, records appended, counts summed. */
function merge(log: LoadedLog, chunk: LoadedLog): LoadedLog {
  const offset = log.lineCount; // every scalars line is non-blank: lines and line numbers agree
  for (const r of chunk.train) log.train.push({ ...r, line: r.line + offset });
  for (const r of chunk.val) log.val.push({ ...r, line: r.line + offset });
  for (const s of chunk.skipped) log.skipped.push({ ...s, line: s.line + offset });
  const droppedKeys = { ...log.droppedKeys };
  for (const [k, n] of Object.entries(chunk.droppedKeys)) droppedKeys[k] = (droppedKeys[k] ?? 0) + n;
  // A new object (the Logs store sees a change); the record arrays grow in place, as the series do.
  return { ...log, droppedKeys, lineCount: log.lineCount + chunk.lineCount };
}
