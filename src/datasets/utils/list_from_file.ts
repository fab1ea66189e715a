/** Text-file helpers with mmengine's semantics (`list_from_file`). */

/** Lines of `text` as mmengine's `list_from_file`: no trailing '\n' / '\r', a final newline adds no empty line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
