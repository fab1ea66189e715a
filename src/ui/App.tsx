import { Suspense, useEffect, useState } from 'react';
import { PANELS } from './panels/panelList';

function currentRoute(): string {
  const id = window.location.hash.replace(/^#\/?/, '');
  return PANELS.some((p) => p.id === id) ? id : 'config';
}

export function App() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const panel = PANELS.find((p) => p.id === route)!;
  const Panel = panel.component;
  return (
    <div className="studio">
      <header className="topbar">
        <h1>mmpretrain-web</h1>
        <nav role="tablist" aria-label="Tools">
          {PANELS.map((p) => (
            <a key={p.id} role="tab" aria-selected={p.id === route} href={`#/${p.id}`} accessKey={p.key}>
              {p.title}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <Suspense fallback={<p>Loading…</p>}>
          <Panel />
        </Suspense>
      </main>
    </div>
  );
}
