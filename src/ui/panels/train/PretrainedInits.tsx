/**
 * The config's `init_cfg=dict(type='Pretrained', ...)`s: which checkpoint each names (with its prefix), and a way to
 * give it: drop the `.pth` / `.safetensors`, take it from the offline checkpoint cache (a cached file with the same
 * name is taken at once), or download the URL (cached for next time). Or "train from scratch", explicitly. After the
 * start, {@link PretrainedLoadReport} shows what each load matched.
 */
import { useEffect, useState } from 'react';
import { formatLoadReport, isCleanLoad } from '../../../models/nn/state_dict';
import { checkpointFileName, isCheckpointUrl, type PretrainedInitRef, type PretrainedReport } from '../../../models/utils/pretrained';
import { cacheCheckpoint, listCachedCheckpoints, readCachedCheckpoint, type CachedCheckpoint } from '../inference/checkpointCache';
import { cachedMatch, downloadCheckpoint, type ChosenPretrained } from './pretrainedSources';

function mb(bytes: number): string {
  return bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

const ORIGIN: Record<ChosenPretrained['origin'], string> = { dropped: 'chosen file', cache: 'from the offline checkpoint cache', download: 'downloaded' };

function CheckpointRow({ checkpoint, refs, chosen, cached, disabled, onChoose }: {
  checkpoint: string;
  refs: PretrainedInitRef[];
  chosen: ChosenPretrained | undefined;
  cached: CachedCheckpoint[];
  disabled: boolean;
  onChoose: (c: ChosenPretrained | null) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = isCheckpointUrl(checkpoint);
  const fromCache = async (name: string) => {
    setError(null);
    try {
      const blob = await readCachedCheckpoint(name);
      if (!blob) throw new Error(`${name} is no longer in the offline cache`);
      onChoose({ name, data: blob, origin: 'cache' });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const download = async () => {
    setError(null);
    setBusy(true);
    try {
      const got = await downloadCheckpoint(checkpoint);
      onChoose(got);
      await cacheCheckpoint(got.name, got.data).catch(() => undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-testid="train-pretrained-row">
      <div>
        {refs.map((r) => (
          <div key={r.key}>
            <code>{r.key}</code>: <code>Pretrained</code>, prefix <code>{r.prefix === null ? 'None' : `'${r.prefix}'`}</code>
          </div>
        ))}
        checkpoint <code className="train-pretrained-name">{checkpoint}</code>
      </div>
      <div className="row">
        <label>
          {checkpointFileName(checkpoint)}:{' '}
          <input
            type="file"
            accept=".pth,.pt,.bin,.safetensors"
            aria-label={`Pretrained checkpoint file for ${checkpoint}`}
            disabled={disabled}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) onChoose({ name: f.name, data: f, origin: 'dropped' });
              e.target.value = '';
            }}
          />
        </label>
        {cached.length > 0 && (
          <select aria-label={`Offline cached checkpoint for ${checkpoint}`} value="" disabled={disabled} onChange={(e) => e.target.value && void fromCache(e.target.value)}>
            <option value="">from the offline cache…</option>
            {cached.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({mb(c.size)})
              </option>
            ))}
          </select>
        )}
        {url && (
          <button type="button" className="secondary" disabled={disabled || busy} onClick={() => void download()}>
            {busy ? 'Downloading…' : 'Download'}
          </button>
        )}
      </div>
      {chosen ? (
        <p className="muted" data-testid="train-pretrained-chosen">
          ✓ {chosen.name} ({mb(chosen.data.size)}, {ORIGIN[chosen.origin]}){' '}
          <button type="button" className="secondary" disabled={disabled} onClick={() => onChoose(null)}>
            clear
          </button>
        </p>
      ) : (
        <p className="muted">Not given yet: drop the file{url ? ', take it from the offline cache, or download it' : ' or take it from the offline cache'}.</p>
      )}
      {error && (
        <p className="error-box" role="alert" data-testid="train-pretrained-error">
          {error}
        </p>
      )}
    </li>
  );
}

/** The Pretrained init_cfgs of the chosen config, each with its file (or the "train from scratch" choice). */
export function PretrainedInits({ needed, chosen, onChoose, fromScratch, onFromScratch, resuming, disabled }: {
  needed: { checkpoint: string; refs: PretrainedInitRef[] }[];
  chosen: ReadonlyMap<string, ChosenPretrained>;
  onChoose: (checkpoint: string, c: ChosenPretrained | null) => void;
  fromScratch: boolean;
  onFromScratch: (v: boolean) => void;
  /** A resume restores every weight: the files are not needed then. */
  resuming: boolean;
  disabled: boolean;
}) {
  const [cached, setCached] = useState<CachedCheckpoint[]>([]);
  const neededKey = needed.map((n) => n.checkpoint).join('\n');
  useEffect(() => {
    let live = true;
    listCachedCheckpoints()
      .then(async (list) => {
        if (!live) return;
        setCached(list);
        // A cached file named as the config's checkpoint is the one the config means: taken at once (shown, changeable).
        for (const n of needed) {
          const match = !chosen.has(n.checkpoint) ? cachedMatch(list, n.checkpoint) : null;
          const blob = match ? await readCachedCheckpoint(match.name) : null;
          if (live && match && blob) onChoose(n.checkpoint, { name: match.name, data: blob, origin: 'cache' });
        }
      })
      .catch(() => live && setCached([])); // no IndexedDB: drop or download only
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [neededKey]);
  if (!needed.length) return null;
  return (
    <div className="card train-pretrained" role="region" aria-label="Pretrained checkpoints">
      <h3>Pretrained weights (init_cfg)</h3>
      <p className="muted">
        This config initialises part of the model from a checkpoint, as MMPretrain's fine-tuning configs do (mmengine <code>PretrainedInit</code>: with a prefix,
        only the checkpoint's <code>prefix.*</code> keys load, the prefix removed).
        {resuming ? ' Resuming restores every weight from the checkpoint: these files are not needed.' : ''}
      </p>
      {!fromScratch && (
        <ul className="train-pretrained-list">
          {needed.map((n) => (
            <CheckpointRow
              key={n.checkpoint}
              checkpoint={n.checkpoint}
              refs={n.refs}
              chosen={chosen.get(n.checkpoint)}
              cached={cached}
              disabled={disabled}
              onChoose={(c) => onChoose(n.checkpoint, c)}
            />
          ))}
        </ul>
      )}
      <label>
        <input type="checkbox" checked={fromScratch} disabled={disabled} onChange={(e) => onFromScratch(e.target.checked)} /> train from scratch (take the Pretrained
        init_cfgs out of the config; every layer keeps its default initialisation)
      </label>
    </div>
  );
}

/** What each Pretrained load matched, as the run's log prints it. */
export function PretrainedLoadReport({ report }: { report: PretrainedReport | null }) {
  if (!report || !report.loads.length) return null;
  return (
    <div className="card" role="region" aria-label="Pretrained load report" data-testid="train-pretrained-report">
      <h3>Pretrained weights loaded</h3>
      <ul>
        {report.loads.map((l, i) => (
          <li key={i}>
            <code>{l.module || 'model'}</code> ← {l.file}
            {l.prefix ? (
              <>
                {' '}
                (prefix <code>{l.prefix}</code>)
              </>
            ) : null}
            : {l.loaded} tensors loaded
            {l.loaded === 0 && (
              <p className="error-box" role="alert">
                Nothing was loaded from {l.file}: no key matched {l.module ? <code>{l.module}</code> : 'the model'}. Check the init_cfg's <code>prefix</code>{' '}
                (the checkpoint's keys are listed as unexpected below); the run trains from the initialisation instead.
              </p>
            )}
            {!isCleanLoad(l.report) && <pre className="train-pretrained-problems">{formatLoadReport(l.report)}</pre>}
          </li>
        ))}
      </ul>
      <p data-testid="train-pretrained-not-loaded">
        {report.notLoaded.length ? `Not in any pretrained checkpoint (they keep their initialisation): ${report.notLoaded.join(', ')}` : 'Every weight of the model came from the pretrained checkpoints.'}
      </p>
    </div>
  );
}
