/** Hash routes (`#/config`) and Alt+digit shortcuts for the studio's panels. */
import { useEffect, useState } from 'react';
import { goToPanel } from './navigation';
import { PANELS, type PanelInfo } from './panels/panelList';

export const DEFAULT_PANEL = 'config';

/** The panel a hash names (`#/train`, `#train`), or the default one. Hidden panels are routable too. */
export function panelForHash(hash: string): PanelInfo {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PANELS.find((p) => p.id === id) ?? PANELS.find((p) => p.id === DEFAULT_PANEL)!;
}

export function useHashRoute(): PanelInfo {
  const [panel, setPanel] = useState(() => panelForHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setPanel(panelForHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return panel;
}

/** The panel an Alt+digit key event names (by `code`, so keyboard layouts do not matter), or null. */
export function panelForShortcut(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'code'>): PanelInfo | null {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return null;
  const m = /^(?:Digit|Numpad)(\d)$/.exec(e.code);
  return m ? (PANELS.find((p) => p.key === m[1] && !p.hidden) ?? null) : null;
}

/** Alt+1…Alt+8 switch panels and move focus to the panel's tab. */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const panel = panelForShortcut(e);
      if (!panel) return;
      e.preventDefault();
      goToPanel(panel.id);
      document.getElementById(`tab-${panel.id}`)?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
