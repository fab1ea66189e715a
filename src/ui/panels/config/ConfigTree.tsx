/** The merged config as a collapsible tree (native `<details>`: keyboard and screen-reader friendly). */
import { isDict, isTuple } from '../../../config';
import { valueRepr } from '../../../config/pyrepr';
import type { ConfigDict } from '../../../config';

interface NodeProps {
  label: string;
  value: unknown;
  container: object;
  keyInParent: string | number;
  depth: number;
  openDepth: number;
}

function summaryOf(value: unknown): string {
  if (isDict(value)) return `dict(${Object.keys(value).length} ${Object.keys(value).length === 1 ? 'key' : 'keys'})`;
  if (Array.isArray(value)) return `${isTuple(value) ? 'tuple' : 'list'}(${value.length})`;
  return '';
}

function TreeNode({ label, value, container, keyInParent, depth, openDepth }: NodeProps) {
  const isContainer = isDict(value) || Array.isArray(value);
  if (!isContainer || (Array.isArray(value) && value.length === 0) || (isDict(value) && Object.keys(value).length === 0)) {
    return (
      <li className="tree-leaf">
        <span className="tree-key">{label}</span>
        <span className="tree-eq"> = </span>
        <code className="tree-value">{valueRepr(value, container, keyInParent)}</code>
      </li>
    );
  }
  const children: [string, unknown, string | number][] = isDict(value)
    ? Object.keys(value).map((k) => [k, value[k], k])
    : (value as unknown[]).map((v, i) => [`[${i}]`, v, i]);
  // Short lists of scalars read best inline: `out_indices = (3, )`.
  if (Array.isArray(value) && value.length <= 8 && value.every((v) => !isDict(v) && !Array.isArray(v))) {
    return (
      <li className="tree-leaf">
        <span className="tree-key">{label}</span>
        <span className="tree-eq"> = </span>
        <code className="tree-value">{valueRepr(value, container, keyInParent)}</code>
      </li>
    );
  }
  return (
    <li>
      <details open={depth < openDepth}>
        <summary>
          <span className="tree-key">{label}</span> <span className="muted">{summaryOf(value)}</span>
          {isDict(value) && typeof value.type === 'string' && <span className="tree-type">{value.type}</span>}
        </summary>
        <ul className="tree">
          {children.map(([childLabel, child, k]) => (
            <TreeNode key={String(k)} label={childLabel} value={child} container={value as object} keyInParent={k} depth={depth + 1} openDepth={openDepth} />
          ))}
        </ul>
      </details>
    </li>
  );
}

/** @param openDepth levels opened initially (1: top-level keys open). */
export function ConfigTree({ cfg, openDepth }: { cfg: ConfigDict; openDepth: number }) {
  return (
    <ul className="tree tree-root" aria-label="Merged config tree">
      {Object.keys(cfg).map((k) => (
        <TreeNode key={k} label={k} value={cfg[k]} container={cfg} keyInParent={k} depth={0} openDepth={openDepth} />
      ))}
    </ul>
  );
}
