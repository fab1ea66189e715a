/// <reference lib="webworker" />
/** Parses dropped logs off the UI thread: `{id, name, text}` in, `{id, log}` or `{id, error}` out. */
import { loadJsonLog } from '../../../tools/analysis_tools/load_json_log';

export type ParseRequest = { id: number; name: string; text: string };
export type ParseResponse = { id: number; log: ReturnType<typeof loadJsonLog> } | { id: number; error: string };

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  const { id, name, text } = e.data;
  try {
    (self as unknown as Worker).postMessage({ id, log: loadJsonLog(text, name) } satisfies ParseResponse);
  } catch (err) {
    (self as unknown as Worker).postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies ParseResponse);
  }
};
