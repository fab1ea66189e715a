/** The key picker: every key of the visible runs by phase, narrowed by a regex filter. */
import { useMemo } from 'react';
import { filterKeys } from '../../../tools/analysis_tools/key_filter';
import { logKeys } from '../../../tools/analysis_tools/plot_curve';
import type { Phase } from '../../../tools/analysis_tools/load_json_log';
import { keyId, useLogsStore, type LogRun } from './logsStore';

/** Union of the keys of the visible runs, per phase, sorted. */
export function availableKeys(runs: readonly LogRun[]): Record<Phase, string[]> {
  const train = new Set<string>();
  const val = new Set<string>();
  for (const r of runs) {
    if (!r.visible) continue;
    const k = logKeys(r.log);
    k.train.forEach((x) => train.add(x));
    k.val.forEach((x) => val.add(x));
  }
  return { train: [...train].sort(), val: [...val].sort() };
}

export function KeyPicker() {
  const runs = useLogsStore((s) => s.runs);
  const selected = useLogsStore((s) => s.view.selectedKeys);
  const pattern = useLogsStore((s) => s.view.keyFilter);
  const setView = useLogsStore((s) => s.setView);
  const toggleKey = useLogsStore((s) => s.toggleKey);
  const keys = useMemo(() => availableKeys(runs), [runs]);
  const train = filterKeys(keys.train, pattern);
  const val = filterKeys(keys.val, pattern);
  const error = train.error ?? val.error;
  const group = (phase: Phase, list: string[]) => (
    <fieldset className="logs-keys-group">
      <legend>{phase === 'train' ? 'Train' : 'Validation'}</legend>
      {list.length === 0 && <span className="muted">no keys</span>}
      {list.map((k) => (
        <label key={k}>
          <input type="checkbox" checked={selected.includes(keyId(phase, k))} onChange={() => toggleKey(keyId(phase, k))} />
          {k}
        </label>
      ))}
    </fieldset>
  );
  return (
    <section className="card logs-keys" aria-label="Keys">
      <label>
        Filter keys (regex){' '}
        <input type="search" value={pattern} placeholder="e.g. acc|loss" aria-invalid={!!error} onChange={(e) => setView({ keyFilter: e.currentTarget.value })} />
      </label>
      {error && <div className="error-box">{error}</div>}
      {group('train', train.keys)}
      {group('val', val.keys)}
    </section>
  );
}
