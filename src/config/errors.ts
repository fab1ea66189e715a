/** An error in a config file: where it is (1-based line and column) and what was expected or found. */
export class ConfigError extends Error {
  /** The file the error is in (as given to the loader), or `<string>` for parsed text. */
  readonly file: string;
  /** 1-based line, 0 when unknown. */
  readonly line: number;
  /** 1-based column, 0 when unknown. */
  readonly column: number;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(file: string, line: number, column: number, detail: string) {
    super(`${file}${line ? `:${line}:${column}` : ''}: ${detail}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.detail = detail;
  }
}
