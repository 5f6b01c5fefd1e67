// Streams a file line by line in bounded memory (src/trace/event-log.ts's readEvents reads the whole file,
// which a 1 GB events.jsonl must never do). A line longer than the cap is skipped and reported, not held.
import { createReadStream } from 'node:fs';

export type FileLine =
  | { n: number; text: string }
  /** A line over the cap: its bytes were counted and dropped. */
  | { n: number; tooLong: number };

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export async function* readLines(path: string, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<FileLine> {
  let parts: Buffer[] = [];
  let held = 0;
  let skipping = 0;
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl !== -1) {
      n++;
      if (skipping > 0) yield { n, tooLong: skipping + nl - start };
      else if (held === 0) yield { n, text: chunk.toString('utf8', start, nl) };
      else {
        parts.push(chunk.subarray(start, nl));
        yield { n, text: Buffer.concat(parts).toString('utf8') };
      }
      parts = [];
      held = 0;
      skipping = 0;
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      if (skipping > 0) skipping += rest;
      else if (held + rest > maxLineBytes) {
        skipping = held + rest;
        parts = [];
        held = 0;
      } else {
        // Copy: the stream may reuse its buffers.
        parts.push(Buffer.from(chunk.subarray(start)));
        held += rest;
      }
    }
  }
  if (skipping > 0) yield { n: n + 1, tooLong: skipping };
  else if (held > 0) yield { n: n + 1, text: Buffer.concat(parts).toString('utf8') };
}

/** Feeds a file's bytes to `onChunk`; returns the number of bytes read. */
export async function streamFile(path: string, onChunk: (chunk: Buffer) => void): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    onChunk(chunk);
  }
  return bytes;
}
