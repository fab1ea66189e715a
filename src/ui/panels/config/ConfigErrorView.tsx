/** A config error at its place: `file:line:column`, the message, the offending source line with a caret. */
import type { LocatedError } from './evaluate';

export function ConfigErrorView({ error }: { error: LocatedError }) {
  const where = error.line ? `${error.file}:${error.line}:${error.column}` : error.file;
  const gutter = error.line ? `${error.line} | ` : '';
  return (
    <div className="error-box" role="alert" data-testid="config-error">
      <div>
        <strong className="error-where">{where}</strong>: {error.message}
      </div>
      {error.sourceLine !== undefined && (
        <pre aria-label={`Line ${error.line} of ${error.file}`}>
          {gutter}
          {error.sourceLine}
          {'\n'}
          {' '.repeat(gutter.length + Math.max(0, error.column - 1))}
          <span className="caret">^</span>
        </pre>
      )}
    </div>
  );
}
