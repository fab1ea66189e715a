/**
 * Progress of the run (iterations, epoch, ETA) and its pause / resume / stop buttons. Each reads only its slice of
 * the store: the progress line renders on progress events, the buttons only when the status changes.
 */
import { useShallow } from 'zustand/react/shallow';
import type { RunStatus } from './runState';
import { etaSeconds, formatDuration, selectProgress } from './runState';
import { useTrainStore } from './trainStore';

function Bar({ label, value, max, testId }: { label: string; value: number; max: number; testId: string }) {
  return (
    <div className="train-bar">
      <span>{label}</span>
      <progress value={value} max={Math.max(1, max)} data-testid={testId} aria-label={label} />
      <span>
        {value} / {max}
      </span>
    </div>
  );
}

export function RunProgress() {
  const run = useTrainStore(useShallow(selectProgress));
  const p = run.position;
  if (!p) return run.status === 'starting' ? <p className="muted">Starting the worker, backend and datasets…</p> : null;
  const eta = etaSeconds(p);
  return (
    <div className="train-progress" aria-label="Training progress">
      <Bar label="iterations" value={p.iter} max={p.maxIters} testId="train-progress-iter" />
      {p.byEpoch && <Bar label={`epoch ${Math.min(p.epoch + 1, p.maxEpochs)} iterations`} value={p.innerIter} max={p.epochLength} testId="train-progress-epoch-iter" />}
      {p.byEpoch && <Bar label="epochs" value={p.epoch} max={p.maxEpochs} testId="train-progress-epoch" />}
      <p className="muted" data-testid="train-status">
        {run.status}
        {p.phase === 'val' ? ' (validating)' : ''} · {run.backend ?? '?'} · {p.secPerIter !== null ? `${p.secPerIter.toFixed(3)} s/iter` : '…'}
        {eta !== null && ['running', 'paused'].includes(run.status) ? ` · ETA ${formatDuration(eta)}` : ''}
        {run.resumedFrom ? ` · resumed from ${run.resumedFrom}` : ''}
        {run.workDir ? ` · work dir ${run.workDir}` : ''}
      </p>
    </div>
  );
}

export function RunButtons({ status, canStart, onStart, onPause, onResume, onStop, onKill }: {
  status: RunStatus;
  canStart: boolean;
  onStart: () => void;
  onPause: () => void;
  onResume: () => void;
  onStop: () => void;
  onKill: () => void;
}) {
  const active = ['starting', 'running', 'paused', 'stopping'].includes(status);
  return (
    <div className="row toolbar">
      <button type="button" onClick={onStart} disabled={active || !canStart}>
        Train
      </button>
      <button type="button" className="secondary" onClick={onPause} disabled={status !== 'running'}>
        Pause
      </button>
      <button type="button" className="secondary" onClick={onResume} disabled={status !== 'paused'}>
        Resume
      </button>
      <button type="button" className="secondary" onClick={onStop} disabled={!['running', 'paused'].includes(status)} title="Stop after the current iteration (a checkpoint is saved at the end of the epoch as the config says)">
        Stop
      </button>
      {status === 'stopping' && (
        <button type="button" className="secondary" onClick={onKill} title="End the worker now; the last saved checkpoint stays">
          End now
        </button>
      )}
    </div>
  );
}
