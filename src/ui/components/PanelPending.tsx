/** Shown by a panel whose tool has not been built yet: says so plainly, with the issue that tracks it. */
export function PanelPending({ title, issue }: { title: string; issue: number }) {
  return (
    <section className="panel" aria-label={`${title} panel`}>
      <h2>{title}</h2>
      <p className="muted">This panel is not built yet (tracked in issue #{issue}).</p>
    </section>
  );
}
