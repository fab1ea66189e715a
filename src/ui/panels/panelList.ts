import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface PanelInfo {
  /** Route segment: `#/config`. */
  id: string;
  title: string;
  /** Keyboard shortcut: Alt + this key. */
  key: string;
  component: LazyExoticComponent<ComponentType>;
  /** Routable but not a tab (the diagnostics view). */
  hidden?: boolean;
  /**
   * Computes with tfjs in the page: showing it loads tfjs and picks the studio's backend (the first load stays
   * without tfjs and the WASM binaries until then).
   */
  backend?: boolean;
}

/** Every tool panel of the studio, in tab order. Each panel is its own lazily loaded module. */
export const PANELS: PanelInfo[] = [
  { id: 'inference', title: 'Inference', key: '1', component: lazy(() => import('./InferencePanel')), backend: true },
  { id: 'dataset', title: 'Dataset', key: '2', component: lazy(() => import('./DatasetPanel')) },
  { id: 'train', title: 'Train', key: '3', component: lazy(() => import('./TrainPanel')), backend: true },
  { id: 'cam', title: 'CAM', key: '4', component: lazy(() => import('./CamPanel')), backend: true },
  { id: 'schedule', title: 'Schedule', key: '5', component: lazy(() => import('./SchedulePanel')) },
  { id: 'logs', title: 'Logs', key: '6', component: lazy(() => import('./LogsPanel')) },
  { id: 'config', title: 'Config', key: '7', component: lazy(() => import('./ConfigPanel')) },
  { id: 'model', title: 'Model', key: '8', component: lazy(() => import('./ModelPanel')), backend: true },
  { id: 'zoo', title: 'Model Zoo', key: '0', component: lazy(() => import('./ZooPanel')) },
  { id: 'diagnostics', title: 'Diagnostics', key: '9', component: lazy(() => import('./DiagnosticsPanel')), hidden: true, backend: true },
];
