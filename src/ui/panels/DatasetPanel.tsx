/**
 * The Dataset panel: MMPretrain's `browse_dataset.py`, live. Drop a dataset (folder, archive or files: MNIST IDX,
 * CIFAR batches, class folders of images); it is built as the current config's phase dataset re-pointed at the
 * drop, with that config's pipeline (a shipped `_base_` dataset config when none is chosen). Pages of samples in
 * the four modes, re-drawn augmentations, pinned parameters, the parameters each image drew, the class
 * histogram, the shown grid as PNG, and the results analysis (confusion matrix, successes and failures).
 * The dataset, the pipeline and the drawing run in the engine worker (chunked on the page where workers fail).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { encode } from 'fast-png';
import { loadConfig } from '../../config';
import { BROWSE_MODES, BROWSE_PHASES, tileFrames, type BrowsedSample, type BrowseMode, type BrowsePhase, type ChannelOrder } from '../../tools/visualization/browse_dataset';
import { useStudioStore } from '../store/studioStore';
import { studioFs } from './config/shipped';
import { downloadBlob } from './logs/download';
import { filesFromDrop } from './logs/dropFiles';
import type { PredictedSample } from '../../tools/analysis_tools/analyze_results';
import { engine, engineMode } from '../engine/client';
import type { OpenedDataset } from './dataset/browseSession';
import type { DroppedFiles } from './dataset/protocol';
import { DEFAULT_BASE_CONFIG, type DatasetGuess } from './dataset/datasetConfig';
import { ClassHistogramChart } from './dataset/ClassHistogramChart';
import { ResultsSection } from './dataset/ResultsSection';
import { SampleCard } from './dataset/SampleCard';
import './dataset/dataset.css';

type Dict = Record<string, unknown>;

function DatasetDrop({ onSource }: { onSource: (files: DroppedFiles, count: string) => void }) {
  const [over, setOver] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const fromInput = (list: FileList | null) => {
    if (list?.length) onSource([...list].map((f) => [f.webkitRelativePath || f.name, f]), `${list.length} file(s)`);
  };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = await filesFromDrop(e.dataTransfer);
    if (files.length) onSource(files.map((f) => [f.path, f.file]), `${files.length} file(s)`);
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}`}
      data-testid="dataset-dropzone"
      onDragOver={(e) => (e.preventDefault(), setOver(true))}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <p>
        Drop a dataset here: MNIST / Fashion-MNIST IDX files (<code>.gz</code>), CIFAR batches or archives, or a folder (or <code>.zip</code> / <code>.tar.gz</code>) of class
        sub-folders of images.
      </p>
      <div className="row">
        <button type="button" className="secondary" onClick={() => files.current?.click()}>
          Choose files…
        </button>
        <button type="button" className="secondary" onClick={() => folder.current?.click()}>
          Choose a folder…
        </button>
      </div>
      <input ref={files} type="file" multiple hidden aria-label="Dataset files" data-testid="dataset-file-input" onChange={(e) => (fromInput(e.target.files), (e.target.value = ''))} />
      <input
        ref={(el) => {
          folder.current = el;
          el?.setAttribute('webkitdirectory', '');
        }}
        type="file"
        hidden
        aria-label="Dataset folder"
        data-testid="dataset-folder-input"
        onChange={(e) => (fromInput(e.target.files), (e.target.value = ''))}
      />
    </div>
  );
}

/** The config whose pipelines serve: the studio's, else the shipped `_base_` dataset config for the drop. */
function pipelineConfig(studio: Dict | null, studioPath: string | null, guess: DatasetGuess | null): { cfg: Dict | null; from: string } {
  if (studio) return { cfg: studio, from: studioPath ?? 'the current config' };
  if (!guess) return { cfg: null, from: '' };
  const path = DEFAULT_BASE_CONFIG[guess.kind];
  try {
    return { cfg: loadConfig(path, studioFs).cfg as Dict, from: `${path} (no config chosen)` };
  } catch {
    return { cfg: null, from: 'no pipeline' };
  }
}

export default function DatasetPanel() {
  const studioConfig = useStudioStore((s) => s.config);
  const studioPath = useStudioStore((s) => s.configPath);
  const [guess, setGuess] = useState<DatasetGuess | null>(null);
  const [dropNote, setDropNote] = useState<string | null>(null);
  const [phase, setPhase] = useState<BrowsePhase>('train');
  const [mode, setMode] = useState<BrowseMode>('transformed');
  const [order, setOrder] = useState<'auto' | ChannelOrder>('auto');
  const [rescale, setRescale] = useState('');
  const [pageSize, setPageSize] = useState(12);
  const [page, setPage] = useState(0);
  const [seed, setSeed] = useState(0);
  const [redraw, setRedraw] = useState(0);
  const [pinned, setPinned] = useState<Map<number, Record<string, unknown>>>(new Map());
  const [opened, setOpened] = useState<OpenedDataset | null>(null);
  const [samples, setSamples] = useState<BrowsedSample[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Pages completely drawn so far (tests wait on it). */
  const [drawCount, setDrawCount] = useState(0);
  const [runsIn, setRunsIn] = useState<'worker' | 'inline' | null>(null);

  const { cfg, from } = useMemo(() => pipelineConfig(studioConfig, studioPath, guess), [studioConfig, studioPath, guess]);

  const onSource = useCallback(async (files: DroppedFiles, what: string) => {
    setError(null);
    setOpened(null);
    setSamples([]);
    try {
      const g = await engine().browse.setDrop(files);
      setGuess(g);
      setDropNote(g ? `${what}: ${g.description}` : `${what}: no dataset recognised (MNIST IDX files, CIFAR batches or class folders of images are expected)`);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  // (re)build the dataset when the drop, the config or the phase changes
  useEffect(() => {
    if (!guess) return;
    let live = true;
    setBusy(true);
    setError(null);
    engine()
      .browse.open(cfg, phase)
      .then((o) => {
        if (!live) return;
        setOpened(o);
        setRunsIn(engineMode());
        setPage(0);
        setPinned(new Map());
      })
      .catch((e) => live && (setError((e as Error).message), setOpened(null)))
      .finally(() => live && setBusy(false));
    return () => {
      live = false;
    };
  }, [guess, cfg, phase]);

  const channelOrder: ChannelOrder = order === 'auto' ? (guess?.channelOrder ?? 'BGR') : order;
  const rescaleFactor = rescale.trim() === '' ? null : Number(rescale);
  const pages = opened ? Math.max(1, Math.ceil(opened.length / pageSize)) : 1;

  // draw the page, one sample at a time
  useEffect(() => {
    if (!opened) return;
    const start = page * pageSize;
    const indices = Array.from({ length: Math.max(0, Math.min(pageSize, opened.length - start)) }, (_, k) => start + k);
    const drawn: BrowsedSample[] = [];
    setSamples([]);
    setBusy(true);
    const opts = { mode, channelOrder, seed, redraw, ...(rescaleFactor && rescaleFactor > 0 ? { rescaleFactor } : {}) };
    engine()
      .browse.page(indices, opts, [...pinned], { onProgress: (s) => (drawn.push(s), setSamples([...drawn])) })
      .then((done) => done && (setBusy(false), setDrawCount((n) => n + 1)))
      .catch((e) => (setError((e as Error).message), setBusy(false)));
  }, [opened, page, pageSize, mode, channelOrder, seed, redraw, rescaleFactor, pinned]);

  const drawResult = useMemo(() => (opened ? (s: PredictedSample) => engine().browse.drawResult(s) : null), [opened]);

  const togglePin = (s: BrowsedSample) =>
    setPinned((old) => {
      const next = new Map(old);
      if (next.has(s.index)) next.delete(s.index);
      else next.set(s.index, s.randomParams);
      return next;
    });

  const exportPng = () => {
    if (!samples.length) return;
    const grid = tileFrames(samples.map((s) => s.frame), mode === 'original' || mode === 'transformed' ? 4 : 2);
    const png = encode({ width: grid.width, height: grid.height, data: new Uint8Array(grid.data.buffer, grid.data.byteOffset, grid.data.byteLength), channels: 4, depth: 8 });
    downloadBlob(new Blob([png as BlobPart], { type: 'image/png' }), `browse_${mode}_${phase}_p${page + 1}.png`);
  };

  return (
    <div className="panel dataset-layout" data-testid="dataset-panel" data-runs-in={runsIn ?? undefined}>
      <h2>Dataset</h2>
      <DatasetDrop onSource={(s, what) => void onSource(s, what)} />
      {dropNote && (
        <p className="muted" data-testid="dataset-drop-note">
          {dropNote}
        </p>
      )}
      {error && (
        <div className="error-box" role="alert" data-testid="dataset-error">
          {error}
        </div>
      )}
      {guess && (
        <div className="card dataset-controls">
          <label>
            phase
            <select value={phase} onChange={(e) => setPhase(e.target.value as BrowsePhase)} data-testid="dataset-phase">
              {BROWSE_PHASES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            mode
            <select value={mode} onChange={(e) => setMode(e.target.value as BrowseMode)} data-testid="dataset-mode">
              {BROWSE_MODES.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            channel order
            <select value={order} onChange={(e) => setOrder(e.target.value as 'auto' | ChannelOrder)}>
              <option value="auto">auto ({guess.channelOrder})</option>
              <option value="BGR">BGR</option>
              <option value="RGB">RGB</option>
            </select>
          </label>
          <label>
            rescale factor
            <input type="number" min={0.05} step={0.25} placeholder="auto" value={rescale} onChange={(e) => setRescale(e.target.value)} />
          </label>
          <label>
            per page
            <input type="number" min={1} max={96} value={pageSize} onChange={(e) => (setPageSize(Math.min(96, Math.max(1, Math.floor(Number(e.target.value)) || 1))), setPage(0))} />
          </label>
          <label>
            seed
            <input type="number" value={seed} onChange={(e) => setSeed(Math.floor(Number(e.target.value)) || 0)} />
          </label>
          <button type="button" onClick={() => setRedraw((r) => r + 1)} data-testid="dataset-redraw" title="new random draws for the unpinned samples">
            Re-draw augmentations
          </button>
          <button type="button" className="secondary" onClick={exportPng} disabled={!samples.length} data-testid="dataset-export">
            Export grid PNG
          </button>
        </div>
      )}
      {opened && (
        <>
          <p className="muted" data-testid="dataset-summary">
            {opened.datasetCfg.type as string} — {opened.length} samples ({opened.datasetCfg.split ? `split ${String(opened.datasetCfg.split)}, ` : ''}
            {phase} pipeline from {from}): {opened.pipeline.length ? opened.pipeline.join(' → ') : 'no transforms'}
            {pinned.size ? ` — ${pinned.size} pinned` : ''}
            {runsIn === 'inline' ? ' (drawn on the page: the worker did not start)' : ''}
          </p>
          <div className="row">
            <button type="button" className="secondary" disabled={page === 0} onClick={() => setPage((p) => p - 1)} data-testid="dataset-prev">
              ‹ Previous
            </button>
            <span data-testid="dataset-page">
              page {page + 1} of {pages}
            </span>
            <button type="button" className="secondary" disabled={page + 1 >= pages} onClick={() => setPage((p) => p + 1)} data-testid="dataset-next">
              Next ›
            </button>
            {busy && <span className="muted">drawing…</span>}
          </div>
          <div className={`sample-grid${mode === 'concat' || mode === 'pipeline' ? ' wide' : ''}`} data-testid="dataset-grid" aria-busy={busy} data-drawn={drawCount}>
            {samples.map((s) => (
              <SampleCard key={s.index} sample={s} pinned={pinned.has(s.index)} onTogglePin={() => togglePin(s)} />
            ))}
          </div>
          <ClassHistogramChart histogram={opened.histogram} />
        </>
      )}
      <ResultsSection draw={drawResult} classes={opened?.classes ?? null} />
    </div>
  );
}
