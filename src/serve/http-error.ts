// An error that becomes an HTTP answer: its status and a one-line message sent as { "error": "…" }.
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A query value shown back in an error message: one line, bounded, so no file content or long input is echoed. */
export function shown(value: string): string {
  const line = JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  return line;
}
