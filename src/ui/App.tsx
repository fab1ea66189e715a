import { Suspense, useEffect, type KeyboardEvent } from 'react';
import { startPageBackends } from './backend/pageBackends';
import { PanelErrorBoundary } from './components/PanelErrorBoundary';
import { StatusBar } from './components/StatusBar';
import { PANELS } from './panels/panelList';
import { goToPanel } from './navigation';
import { useHashRoute, useShortcuts } from './routing';

const TABS = PANELS.filter((p) => !p.hidden);

/** Arrow keys, Home and End move between tabs (roving tab index, as in the WAI-ARIA tabs pattern). */
function onTabKey(e: KeyboardEvent<HTMLAnchorElement>, index: number) {
  const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
  if (!(e.key in moves)) return;
  e.preventDefault();
  const next = TABS[(moves[e.key]! + TABS.length) % TABS.length]!;
  goToPanel(next.id);
  document.getElementById(`tab-${next.id}`)?.focus();
}

export function App() {
  const panel = useHashRoute();
  useShortcuts();
  // tfjs and its backends load with the first panel that computes in the page (the status bar says "not loaded"
  // until then); the test hooks (`window.__mmpw`) are only in `vite build --mode e2e` and the dev server.
  useEffect(() => {
    if (panel.backend) void startPageBackends();
  }, [panel]);
  const Panel = panel.component;
  return (
    <div className="studio">
      <a className="skip-link" href="#panel" onClick={(e) => (e.preventDefault(), document.getElementById('panel')?.focus())}>
        Skip to the panel
      </a>
      <header className="topbar">
        <h1>
          <span className="brand-mm">mmpretrain</span>-web
        </h1>
        <nav aria-label="Tools">
          <div role="tablist" aria-label="Tools" aria-orientation="horizontal" className="tabs">
            {TABS.map((p, i) => (
              <a
                key={p.id}
                id={`tab-${p.id}`}
                role="tab"
                href={`#/${p.id}`}
                aria-selected={p.id === panel.id}
                aria-controls="panel"
                aria-keyshortcuts={`Alt+${p.key}`}
                tabIndex={p.id === panel.id ? 0 : -1}
                title={`${p.title} (Alt+${p.key})`}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                {p.title}
                <kbd aria-hidden="true">{p.key}</kbd>
              </a>
            ))}
          </div>
        </nav>
      </header>
      <main id="panel" role="tabpanel" aria-labelledby={`tab-${panel.id}`} aria-label={panel.hidden ? panel.title : undefined} tabIndex={-1}>
        <PanelErrorBoundary key={panel.id} title={panel.title}>
          <Suspense fallback={<p className="muted">Loading the {panel.title} panel…</p>}>
            <Panel />
          </Suspense>
        </PanelErrorBoundary>
      </main>
      <StatusBar />
    </div>
  );
}
