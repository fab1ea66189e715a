/**
 * The Config panel: choose a shipped config or drop your own (with its `_base_` files), edit `--cfg-options` live,
 * see the merged config as a tree and as Python (mmengine's dump), errors at their line, the name explained, and
 * download the merged `.py`. The merged config goes to the studio store for the other panels.
 */
import { useDeferredValue, useEffect, useId, useMemo, useState } from 'react';
import { basenamePath, type ConfigDict } from '../../config';
import { useStudioStore } from '../store/studioStore';
import { ConfigErrorView } from './config/ConfigErrorView';
import { ConfigTree } from './config/ConfigTree';
import { DEFAULT_CONFIG, useConfigPanelStore } from './config/configPanelStore';
import { DropZone } from './config/DropZone';
import { evaluatePanelConfig } from './config/evaluate';
import { configLeaves, filterLeaves, optionLineFor } from './config/flatten';
import { NameCard } from './config/NameCard';
import { studioFs } from './config/shipped';
import { listChoosableConfigs } from './config/studioFs';

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/x-python' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file the config was merged from, saying when it is one of yours (a loose dropped file stands in by name). */
function describeFile(path: string): string {
  const found = studioFs.resolve(path);
  if (found?.kind === 'loose') return `${path} (your ${found.path})`;
  if (found?.kind === 'dropped') return `${path} (yours)`;
  return path;
}

/** Leaves matching the query as `path = value` rows (the path is what `--cfg-options` takes). */
function LeafMatches({ cfg, query }: { cfg: ConfigDict; query: string }) {
  const matches = useMemo(() => filterLeaves(configLeaves(cfg), query), [cfg, query]);
  const setOptionsText = useConfigPanelStore((s) => s.setOptionsText);
  const override = (line: string) => {
    const text = useConfigPanelStore.getState().optionsText;
    setOptionsText(text.trim() ? `${text.replace(/\n+$/, '')}\n${line}` : line);
    document.getElementById(OPTIONS_ID)?.focus();
  };
  return (
    <div className="tree-root" aria-label="Matching keys">
      <p className="muted">
        {matches.length} matching {matches.length === 1 ? 'value' : 'values'}
      </p>
      <ul className="tree">
        {matches.map((m) => (
          <li key={m.path} className="tree-leaf">
            <span className="tree-key">{m.path}</span>
            <span className="tree-eq"> = </span>
            <code className="tree-value">{m.repr}</code>
            <button type="button" className="link override" onClick={() => override(optionLineFor(m))} aria-label={`Override ${m.path}`}>
              override
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy().catch(() => setCopied(false))} aria-live="polite">
      {copied ? 'Copied' : 'Copy Python'}
    </button>
  );
}

function ConfigChooser() {
  const selected = useConfigPanelStore((s) => s.selected);
  const select = useConfigPanelStore((s) => s.select);
  const version = useConfigPanelStore((s) => s.version);
  const [filter, setFilter] = useState('');
  const entries = useMemo(() => listChoosableConfigs(studioFs.list('configs')), [version]);
  const shown = entries.filter((e) => e.path.toLowerCase().includes(filter.trim().toLowerCase()) || e.path === selected);
  const folders = [...new Set(shown.map((e) => e.folder))];
  const filterId = useId();
  return (
    <div className="chooser">
      <label htmlFor={filterId}>Config ({entries.length})</label>
      <input id={filterId} type="search" placeholder="Filter: resnet, cifar, in1k…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <select aria-label="Config file" size={10} value={selected ?? ''} onChange={(e) => select(e.target.value)}>
        {folders.map((folder) => (
          <optgroup key={folder} label={folder}>
            {shown
              .filter((e) => e.folder === folder)
              .map((e) => (
                <option key={e.path} value={e.path}>
                  {e.name}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
      {entries.length === 0 && <p className="muted">No configs shipped in this build: drop your own.</p>}
    </div>
  );
}

function DroppedList() {
  const dropped = useConfigPanelStore((s) => s.dropped);
  const remove = useConfigPanelStore((s) => s.removeDropped);
  const select = useConfigPanelStore((s) => s.select);
  if (dropped.length === 0) return null;
  return (
    <div>
      <h3>Your files</h3>
      <ul className="file-list" aria-label="Dropped files">
        {dropped.map((p) => (
          <li key={p}>
            <button type="button" className="link" onClick={() => select(p)} title="Use this config">
              {p}
            </button>
            <button type="button" className="icon" aria-label={`Remove ${p}`} onClick={() => remove(studioFs, p)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The cfg-options box's element id (the find results focus it after adding a line). */
const OPTIONS_ID = 'config-cfg-options';

function OptionsEditor() {
  const text = useConfigPanelStore((s) => s.optionsText);
  const setText = useConfigPanelStore((s) => s.setOptionsText);
  const id = OPTIONS_ID;
  return (
    <div>
      <label htmlFor={id}>
        <code>--cfg-options</code> <span className="muted">(one per line, applied as you type)</span>
      </label>
      <textarea
        id={id}
        rows={4}
        spellCheck={false}
        placeholder={'model.head.num_classes=100\ntrain_dataloader.batch_size=64\nparam_scheduler.milestones=[30,60]'}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
    </div>
  );
}

export default function ConfigPanel() {
  const selected = useConfigPanelStore((s) => s.selected);
  const select = useConfigPanelStore((s) => s.select);
  const version = useConfigPanelStore((s) => s.version);
  const view = useConfigPanelStore((s) => s.view);
  const setView = useConfigPanelStore((s) => s.setView);
  const addDropped = useConfigPanelStore((s) => s.addDropped);
  const optionsText = useDeferredValue(useConfigPanelStore((s) => s.optionsText));
  const setConfig = useStudioStore((s) => s.setConfig);
  const [openDepth, setOpenDepth] = useState(1);
  const [treeKey, setTreeKey] = useState(0);
  const [find, setFind] = useState('');
  const deferredFind = useDeferredValue(find);

  useEffect(() => {
    if (selected === null) {
      const first = studioFs.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : listChoosableConfigs(studioFs.list('configs'))[0]?.path;
      if (first) select(first);
    }
  }, [selected, select]);

  const result = useMemo(() => (selected ? evaluatePanelConfig(studioFs, selected, optionsText) : null), [selected, optionsText, version]);
  useEffect(() => {
    if (result?.ok && selected) setConfig(result.cfg, selected);
  }, [result, selected, setConfig]);

  const name = selected ? basenamePath(selected).replace(/\.py$/, '') : null;
  return (
    <section className="panel config-panel" aria-label="Config panel">
      <h2>Config</h2>
      <div className="config-layout">
        <div className="config-side">
          <ConfigChooser />
          <DropZone onFiles={(files) => addDropped(studioFs, files)} />
          <DroppedList />
        </div>
        <div className="config-main">
          {name && <NameCard name={name} />}
          <OptionsEditor />
          {result && !result.ok && <ConfigErrorView error={result.error} />}
          {result?.ok && (
            <>
              <div className="row toolbar">
                <div role="group" aria-label="View" className="segmented">
                  {(['tree', 'python'] as const).map((v) => (
                    <button key={v} type="button" aria-pressed={view === v} className={view === v ? '' : 'secondary'} onClick={() => setView(v)}>
                      {v === 'tree' ? 'Tree' : 'Python'}
                    </button>
                  ))}
                </div>
                {view === 'tree' && (
                  <>
                    <button type="button" className="secondary" onClick={() => (setOpenDepth(99), setTreeKey((k) => k + 1))}>
                      Expand all
                    </button>
                    <button type="button" className="secondary" onClick={() => (setOpenDepth(0), setTreeKey((k) => k + 1))}>
                      Collapse all
                    </button>
                    <input type="search" aria-label="Find a key or value" placeholder="Find: lr, num_classes…" value={find} onChange={(e) => setFind(e.target.value)} />
                  </>
                )}
                <span className="status-spacer" />
                <CopyButton text={result.python} />
                <button type="button" onClick={() => download(`${name}.py`, result.python)}>
                  Download {name}.py
                </button>
              </div>
              <p className="muted files-read" data-testid="config-files-read">
                Merged from {result.filesRead.length} {result.filesRead.length === 1 ? 'file' : 'files'}: {result.filesRead.map(describeFile).join(', ')}
                {result.options.length > 0 && ` + ${result.options.length} cfg-options`}
              </p>
              {view === 'tree' ? (
                deferredFind.trim() ? (
                  <LeafMatches cfg={result.cfg} query={deferredFind} />
                ) : (
                  <ConfigTree key={treeKey} cfg={result.cfg} openDepth={openDepth} />
                )
              ) : (
                <pre className="python" aria-label="Merged config as Python" data-testid="config-python">
                  {result.python}
                </pre>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
