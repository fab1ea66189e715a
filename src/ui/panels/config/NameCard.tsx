/** The config's name read by MMPretrain's naming convention (`explainName`). */
import { explainName } from '../../../config';

const FIELDS = ['algorithm', 'module', 'pretrain', 'training', 'data'] as const;

export function NameCard({ name }: { name: string }) {
  let explained: ReturnType<typeof explainName>;
  try {
    explained = explainName(name);
  } catch (e) {
    return <p className="muted">The name {name} does not follow the naming convention ({e instanceof Error ? e.message : String(e)}).</p>;
  }
  return (
    <section className="card name-card" aria-label="Name explained">
      <h3>
        <code>{explained.name}</code>
      </h3>
      <div className="name-parts">
        {FIELDS.filter((f) => explained[f]).map((f) => (
          <span key={f} className={`name-part name-${f}`} title={f}>
            <span className="name-field">{f}</span>
            {explained[f]}
          </span>
        ))}
        {explained.extra.map((x) => (
          <span key={x} className="name-part" title="extra">
            <span className="name-field">extra</span>
            {x}
          </span>
        ))}
      </div>
      <ul className="name-notes">
        {explained.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </section>
  );
}
