/**
 * The Train panel: MMPretrain's `tools/train.py` in a Web Worker. Choose the config (the Config panel's or a file),
 * add cfg-options, drop the dataset, pick the backend, and watch the run: progress and ETA, live curves, validation
 * results with the confusion matrix, checkpoints saved to browser storage (downloadable, the work dir as a zip), a
 * reload offering to resume from the last checkpoint, NaN/Inf losses stopping with the last good checkpoint.
 */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BACKEND_NAMES } from '../../backends/names';
import { useStudioStore } from '../store/studioStore';
import { adapterLabel } from '../../backends/adapter';
import { useBackendStore } from '../backend/pageBackends';
import { studioFs } from './config/shipped';
import { listChoosableConfigs } from './config/studioFs';
import { CheckpointList } from './train/CheckpointList';
import { ConfusionMatrixView } from './train/ConfusionMatrixView';
import { DatasetDrop } from './train/DatasetDrop';
import { datasetExpectations, datasetMounts, placeDatasetFiles } from './train/datasetFiles';
import { RunButtons, RunProgress } from './train/RunControls';
import { resolveRunConfig, withConfusionMatrix, type ConfigChoice } from './train/runConfig';
import { neededCheckpoints } from '../../models/utils/pretrained';
import { PretrainedInits, PretrainedLoadReport } from './train/PretrainedInits';
import { useZooHandoff } from './zoo/modelHandoff';
import { pretrainedFiles, pretrainedReadiness, type ChosenPretrained } from './train/pretrainedSources';
import { deleteWorkDir, hasPersistentStorage, openBrowserWorkDir, readDatasetCopy } from '../../engine/runner/opfs_work_dir';
import { findResumableRuns, resumeLabel, type ResumableRun } from './train/savedRuns';
import { SavedWorkDirs } from './train/SavedWorkDirs';
import { TrainCharts } from './train/TrainCharts';
import { selectNotices } from './train/runState';
import { useTrainStore } from './train/trainStore';
import './train/train.css';

const CURRENT = '__current__';
/** Datasets larger than this are not copied into browser storage (resuming then asks for them again). */
const MAX_KEPT_DATASET_BYTES = 2e9;

function ResumeOffer({ runs, canStart, onResume, onForget, filesDropped }: {
  runs: ResumableRun[];
  canStart: boolean;
  onResume: (r: ResumableRun) => void;
  onForget: (r: ResumableRun) => void;
  filesDropped: boolean;
}) {
  if (!runs.length) return null;
  return (
    <div className="card train-resume" role="region" aria-label="Runs to resume">
      <h3>Unfinished runs in browser storage</h3>
      <ul>
        {runs.map((r) => {
          const needsDrop = !r.info.datasetKept && !filesDropped;
          return (
            <li key={r.info.name}>
              <code>{r.info.name}</code> ({r.info.status}, {new Date(r.info.updated).toLocaleString()}): last checkpoint <code>{r.checkpoint}</code>{' '}
              <button type="button" onClick={() => onResume(r)} disabled={!canStart || needsDrop}>
                {resumeLabel(r)}
              </button>{' '}
              <button type="button" className="secondary" onClick={() => onForget(r)} disabled={!canStart} title="Delete this work dir from browser storage">
                Forget
              </button>
              {needsDrop && r.info.datasetFiles.length > 0 && <span className="muted"> — drop the dataset again first: {r.info.datasetFiles.slice(0, 4).join(', ')}</span>}
              {r.info.datasetKept && !filesDropped && <span className="muted"> — with the dataset copy kept in storage</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ValResults() {
  const vals = useTrainStore((s) => s.vals);
  const last = vals[vals.length - 1];
  if (!last) return null;
  return (
    <div className="card" aria-label="Validation results">
      <h3>Validation (epoch {last.epoch})</h3>
      <table className="table" data-testid="train-val-metrics">
        <tbody>
          {Object.entries(last.metrics).map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td>{Number.isInteger(v) ? v : v.toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {last.confusion && <ConfusionMatrixView matrix={last.confusion} classes={last.classes} />}
    </div>
  );
}

/** The run's notices: failure, storage warning, survival checkpoint, lost backends, the end. */
function RunNotices({ chosenBackend }: { chosenBackend: string }) {
  const run = useTrainStore(useShallow(selectNotices));
  const active = ['starting', 'running', 'paused', 'stopping'].includes(run.status);
  return (
    <>
      {run.backendNotices.length > 0 && (
        <div className="error-box" role="status" data-testid="train-backend-notice">
          {run.backendNotices.map((n, i) => (
            <p key={i}>{n}</p>
          ))}
        </div>
      )}
      {run.backend && active && run.backend !== chosenBackend && run.backendNotices.length === 0 && (
        <p className="muted" role="status">
          {chosenBackend} could not start in the worker; training on {run.backend}.
        </p>
      )}
      {run.error && (
        <div className="error-box" role="alert" data-testid="train-error">
          <strong>{run.error.invalidLoss ? 'Training stopped: invalid loss. ' : 'Training failed: '}</strong>
          {run.error.message}
          {run.error.invalidLoss && (
            <p>
              Iteration {run.error.invalidLoss.iter}, epoch {run.error.invalidLoss.epoch}.{' '}
              {run.error.invalidLoss.lastCheckpoint ? `Resume from the last finite checkpoint ${run.error.invalidLoss.lastCheckpoint}${run.error.invalidLoss.keptIter ? ` (iteration ${run.error.invalidLoss.keptIter})` : ''} with a lower lr.` : 'No checkpoint was saved before it.'}
            </p>
          )}
        </div>
      )}
      {run.warning && (
        <p className="error-box" role="alert" data-testid="train-warning">
          {run.warning}
        </p>
      )}
      {run.survival && (
        <p className="muted" data-testid="train-survival">
          Survival checkpoint: iteration {run.survival.iter} (epoch {run.survival.epoch + 1}, {run.survival.innerIter} batches in){run.survival.reason === 'pause' ? ', at the pause' : ''}
        </p>
      )}
      {run.status === 'finished' && <p data-testid="train-finished">Training finished.</p>}
    </>
  );
}

/** The log tail (the last 200 of the lines kept). */
function LogTail() {
  const lines = useTrainStore((s) => s.lines);
  if (!lines.length) return null;
  return (
    <details className="card">
      <summary>Log ({lines.length} lines)</summary>
      <pre className="train-log" data-testid="train-log">
        {lines.slice(-200).join('\n')}
      </pre>
    </details>
  );
}

export default function TrainPanel() {
  const currentConfig = useStudioStore((s) => s.config);
  const currentPath = useStudioStore((s) => s.configPath);
  // The slices the panel itself draws; progress, charts, notices and the log read their own.
  const run = useTrainStore(
    useShallow((s) => ({
      status: s.status,
      runName: s.runName,
      datasetFiles: s.datasetFiles,
      checkpoints: s.checkpoints,
      pretrained: s.pretrained,
      start: s.start,
      setDatasetFiles: s.setDatasetFiles,
      pause: s.pause,
      resume: s.resume,
      stop: s.stop,
      kill: s.kill,
    })),
  );
  const configs = useMemo(() => listChoosableConfigs(studioFs.list('configs')), []);
  const [choiceValue, setChoiceValue] = useState<string>(() => (currentConfig ? CURRENT : 'configs/lenet/lenet5_mnist.py'));
  const [optionsText, setOptionsText] = useState('');
  const [backend, setBackend] = useState('wasm');
  const [confusion, setConfusion] = useState(true);
  const [keepDatasetChoice, setKeepDataset] = useState(true);
  const [checkpoint, setCheckpoint] = useState<File | null>(null);
  const [resumeFromCheckpoint, setResumeFromCheckpoint] = useState(false);
  const [resumable, setResumable] = useState<ResumableRun[]>([]);
  const [storageError, setStorageError] = useState<string | null>(null);
  const adapter = useBackendStore((s) => s.report?.adapter ?? null);
  const [fromScratch, setFromScratch] = useState(false);
  const [pretrainedChosen, setPretrainedChosen] = useState<ReadonlyMap<string, ChosenPretrained>>(new Map());
  const choosePretrained = (checkpoint: string, c: ChosenPretrained | null) =>
    setPretrainedChosen((m) => {
      const next = new Map(m);
      if (c) next.set(checkpoint, c);
      else next.delete(checkpoint);
      return next;
    });

  // A model handed over by the Model Zoo panel: fine-tune from it (its config, its weights as `load_from`).
  const zooSerial = useZooHandoff((s) => s.serial);
  useEffect(() => {
    const z = useZooHandoff.getState().take('train');
    if (!z) return;
    setChoiceValue(z.configPath);
    setCheckpoint(z.checkpoint ? new File([z.checkpoint.blob], z.checkpoint.name) : null);
    setResumeFromCheckpoint(false);
  }, [zooSerial]);

  const choice: ConfigChoice = choiceValue === CURRENT ? { kind: 'current' } : { kind: 'file', path: choiceValue };
  const resolved = useMemo(
    () => resolveRunConfig(choice, optionsText, { config: currentConfig, configPath: currentPath }, studioFs, { withoutPretrained: fromScratch }),
    [choiceValue, optionsText, currentConfig, currentPath, fromScratch],
  );
  const needed = useMemo(() => (resolved.ok ? neededCheckpoints(resolved.pretrainedInits) : []), [resolved]);
  const resumingFromFile = checkpoint !== null && resumeFromCheckpoint;
  const pretrainedState = pretrainedReadiness(
    needed.map((n) => n.checkpoint),
    pretrainedChosen,
    { fromScratch, resuming: resumingFromFile },
  );
  const expectations = useMemo(() => (resolved.ok ? datasetExpectations(resolved.cfg) : []), [resolved]);
  const active = ['starting', 'running', 'paused', 'stopping'].includes(run.status);
  const droppedBytes = useMemo(() => run.datasetFiles.reduce((a, f) => a + (f.data instanceof Blob ? f.data.size : f.data.byteLength), 0), [run.datasetFiles]);
  const tooLargeToKeep = droppedBytes > MAX_KEPT_DATASET_BYTES;
  const keepDataset = keepDatasetChoice && !tooLargeToKeep;

  const [persistent, setPersistent] = useState<boolean | null>(null);
  useEffect(() => {
    void hasPersistentStorage().then(setPersistent);
  }, []);
  const storageVersion = useTrainStore((s) => s.storageVersion);
  useEffect(() => {
    if (active) return;
    let live = true;
    findResumableRuns()
      .then((runs) => live && setResumable(runs))
      .catch((e: unknown) => live && setStorageError(`browser storage: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      live = false;
    };
  }, [active, storageVersion]);

  const start = () => {
    if (!resolved.ok) return;
    const cfg = confusion ? withConfusionMatrix(resolved.cfg) : resolved.cfg;
    const mounts = datasetMounts(cfg);
    void run.start({
      cfg,
      cfgText: resolved.cfgText,
      cfgFileName: resolved.cfgFileName,
      workDirName: resolved.workDirName,
      source: resolved.source,
      files: placeDatasetFiles(run.datasetFiles, mounts),
      mounts,
      backend,
      resume: checkpoint !== null && resumeFromCheckpoint,
      keepDataset,
      checkpoint: checkpoint ? { name: checkpoint.name, data: checkpoint } : undefined,
      pretrained: pretrainedFiles(
        needed.map((n) => n.checkpoint),
        pretrainedChosen,
        fromScratch,
      ),
    });
  };
  const resumeRun = async (r: ResumableRun) => {
    const dropped = run.datasetFiles.length > 0;
    const files = dropped ? run.datasetFiles : await readDatasetCopy(await openBrowserWorkDir(r.info.name));
    void run.start({
      cfg: r.info.cfg,
      cfgText: r.info.cfgText,
      cfgFileName: r.info.cfgFileName,
      workDirName: r.info.name,
      source: r.info.source,
      files: dropped ? placeDatasetFiles(files, r.info.mounts) : files,
      mounts: r.info.mounts,
      backend,
      resume: true,
      keepDataset: dropped && keepDataset,
    });
  };
  const forget = async (r: ResumableRun) => {
    await deleteWorkDir(r.info.name).catch((e: unknown) => setStorageError(`browser storage: ${e instanceof Error ? e.message : String(e)}`));
    setResumable((list) => list.filter((x) => x.info.name !== r.info.name));
  };

  return (
    <section className="panel train-panel" aria-label="Train">
      <h2>Train</h2>
      <p className="muted">
        Runs MMPretrain's training loop in a Web Worker (the page stays responsive): the config's schedule, hooks, logs and checkpoints, in browser storage.
      </p>
      <ResumeOffer runs={active ? [] : resumable} canStart={!active} onResume={(r) => void resumeRun(r)} onForget={(r) => void forget(r)} filesDropped={run.datasetFiles.length > 0} />
      {storageError && <p className="error-box">{storageError}</p>}
      {persistent === false && (
        <p className="error-box" role="status">
          This browser offers no writable Origin Private File System here: work dirs stay in the training worker's memory, so checkpoints are lost with the tab and
          cannot be downloaded. Use a recent Chromium or Firefox for saved, resumable runs.
        </p>
      )}

      <div className="card train-setup">
        <label>
          Config{' '}
          <select value={choiceValue} onChange={(e) => setChoiceValue(e.target.value)} aria-label="Config" disabled={active}>
            <option value={CURRENT} disabled={!currentConfig}>
              {currentConfig ? `Current config (${currentPath ?? 'Config panel'})` : 'Current config (choose one in the Config panel)'}
            </option>
            {configs.map((c) => (
              <option key={c.path} value={c.path}>
                {c.folder}/{c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="train-options">
          --cfg-options (one <code>key=value</code> per line)
          <textarea
            value={optionsText}
            onChange={(e) => setOptionsText(e.target.value)}
            rows={5}
            spellCheck={false}
            aria-label="cfg-options"
            placeholder={'train_cfg.max_epochs=1\ntrain_dataloader.dataset.indices=256'}
            disabled={active}
          />
        </label>
        <div className="row">
          <label>
            Backend{' '}
            <select value={backend} onChange={(e) => setBackend(e.target.value)} aria-label="Training backend" disabled={active}>
              {BACKEND_NAMES.map((b) => (
                <option key={b} value={b}>
                  {b}
                  {b === 'wasm' ? ' (default: fastest on CPU)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={confusion} onChange={(e) => setConfusion(e.target.checked)} disabled={active} /> add ConfusionMatrix to val_evaluator
          </label>
          <label title="Copies the dropped dataset into browser storage with the work dir, so a reload can resume without dropping it again">
            <input type="checkbox" checked={keepDataset} onChange={(e) => setKeepDataset(e.target.checked)} disabled={active || tooLargeToKeep} /> keep a copy of the dataset for resuming
            {tooLargeToKeep && <span className="muted"> (over 2 GB: not copied)</span>}
          </label>
        </div>
        {(backend === 'webgpu' || backend === 'webgl') && adapter?.isSoftware && (
          <p className="error-box" role="status" data-testid="train-software-gpu">
            The GPU here is a software fallback ({adapterLabel(adapter)}): {backend} runs on the CPU through it, far slower than wasm. Train on
            wasm (<code>mmpretrain-web bench-browser</code> measures each backend).
          </p>
        )}
        <div className="row">
          <label>
            Start from a checkpoint (<code>load_from</code>){' '}
            <input type="file" accept=".pth,.pt,.bin,.safetensors" aria-label="Checkpoint to load" disabled={active} onChange={(e) => setCheckpoint(e.target.files?.[0] ?? null)} />
          </label>
          {checkpoint && (
            <span className="muted" data-testid="train-load-from">
              load_from <code>{checkpoint.name}</code>
            </span>
          )}
          {checkpoint && (
            <label title="mmengine resume=True: also restore epoch, iteration, optimizer and schedulers from it">
              <input type="checkbox" checked={resumeFromCheckpoint} onChange={(e) => setResumeFromCheckpoint(e.target.checked)} disabled={active} /> resume from it (
              <code>--resume</code>)
            </label>
          )}
        </div>
        {resolved.ok ? (
          <p className="muted">
            Work dir <code>work_dirs/{resolved.workDirName}</code> in browser storage.
          </p>
        ) : (
          <pre className="error-box" role="alert">
            {resolved.error}
          </pre>
        )}
      </div>

      <PretrainedInits
        needed={needed}
        chosen={pretrainedChosen}
        onChoose={choosePretrained}
        fromScratch={fromScratch}
        onFromScratch={setFromScratch}
        resuming={resumingFromFile}
        disabled={active}
      />

      <DatasetDrop expectations={expectations} files={run.datasetFiles} onFiles={run.setDatasetFiles} />

      <RunButtons
        status={run.status}
        canStart={resolved.ok && run.datasetFiles.length > 0 && pretrainedState.ready}
        onStart={start}
        onPause={run.pause}
        onResume={run.resume}
        onStop={run.stop}
        onKill={run.kill}
      />
      {!active && resolved.ok && run.datasetFiles.length === 0 && <p className="muted">Drop the dataset files to start.</p>}
      {!active && resolved.ok && !pretrainedState.ready && (
        <p className="muted" data-testid="train-pretrained-needed">
          Give the pretrained checkpoint{pretrainedState.missing.length > 1 ? 's' : ''} {pretrainedState.missing.join(', ')} (or choose "train from scratch") to start.
        </p>
      )}
      <RunProgress />
      <RunNotices chosenBackend={backend} />

      <PretrainedLoadReport report={run.pretrained} />
      <TrainCharts />
      <ValResults />
      <CheckpointList runName={run.runName} checkpoints={run.checkpoints} />
      <SavedWorkDirs refresh={storageVersion + resumable.length} busyName={active ? run.runName : null} />
      <LogTail />
    </section>
  );
}
