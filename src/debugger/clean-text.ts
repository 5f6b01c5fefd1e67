// The cleaner's text primitive: raw output in (any size, in chunks), a short readable text out — escapes
// stripped, redraws collapsed, repeats folded, head and tail kept with a count of what was dropped, error
// lines and tracebacks kept verbatim. Deterministic and streaming: memory is bounded by the head, the
// tail ring, the error list and one line, whatever the input size.
import { createHash, type Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { createErrorCollector, type ErrorCollectorOptions } from './error-lines.ts';
import { createLineFolder } from './fold-lines.ts';
import { createHeadTail, type HeadTailOptions } from './head-tail.ts';
import { createTerminalLineSplitter, DEFAULT_MAX_LINE_CHARS } from './terminal-lines.ts';

export interface CleanTextOptions extends HeadTailOptions {
  errors?: ErrorCollectorOptions;
  /** Cap on one raw line held in memory while it is being read. */
  maxRawLineChars?: number;
  /** Sees every rendered line before folding (a parser that runs on the same pass). */
  onLine?: (line: string) => void;
  /** Lines to leave out of the text (still seen by onLine and the error collector), counted in `skippedLines`. */
  skipLine?: (line: string) => boolean;
  /** Also compute a sha1 of the raw input (to recognise identical outputs). */
  hash?: boolean;
}

export interface CleanedText {
  /** The cleaned text: head, an omission marker, tail. */
  text: string;
  rawBytes: number;
  rawLines: number;
  /** Raw lines and (approximate) bytes in neither head nor tail. */
  omittedLines: number;
  omittedBytes: number;
  /** Lines left out by `skipLine`. */
  skippedLines: number;
  /** Error lines and whole tracebacks, verbatim, capped. */
  errors: string[];
  hash?: string;
}

/** Keeps rendered lines: folds runs, keeps head and tail, collects errors. Used directly by sources that split a stream into several outputs. */
export interface LineDigest {
  add(line: string, rawChars: number): void;
  finish(): Omit<CleanedText, 'rawBytes' | 'hash'>;
}

export function createLineDigest(options: CleanTextOptions = {}): LineDigest {
  const headTail = createHeadTail(options);
  const folder = createLineFolder((text, rawLines, rawChars) => headTail.add(text, rawLines, rawChars));
  const errors = createErrorCollector(options.errors);
  let rawLines = 0;
  let skippedLines = 0;
  return {
    add(line: string, rawChars: number) {
      rawLines++;
      options.onLine?.(line);
      errors.add(line);
      if (options.skipLine?.(line)) skippedLines++;
      else folder.add(line, rawChars);
    },
    finish() {
      folder.flush();
      const kept = headTail.finish();
      return {
        text: kept.text,
        rawLines,
        omittedLines: kept.omittedLines,
        omittedBytes: kept.omittedChars,
        skippedLines,
        errors: errors.finish(),
      };
    },
  };
}

export interface TextCleaner {
  push(chunk: string | Uint8Array): void;
  end(): CleanedText;
}

export function createTextCleaner(options: CleanTextOptions = {}): TextCleaner {
  const digest = createLineDigest(options);
  const splitter = createTerminalLineSplitter(
    (line, rawChars) => digest.add(line, rawChars),
    options.maxRawLineChars ?? DEFAULT_MAX_LINE_CHARS,
  );
  // StringDecoder keeps a multi-byte character split across chunks whole (and is faster than TextDecoder).
  const decoder = new StringDecoder('utf8');
  const hash: Hash | null = options.hash ? createHash('sha1') : null;
  let rawBytes = 0;
  return {
    push(chunk) {
      if (typeof chunk === 'string') {
        rawBytes += Buffer.byteLength(chunk);
        hash?.update(chunk);
        splitter.push(chunk);
      } else {
        rawBytes += chunk.byteLength;
        hash?.update(chunk);
        splitter.push(decoder.write(chunk as Buffer));
      }
    },
    end() {
      const rest = decoder.end();
      if (rest) splitter.push(rest);
      splitter.end();
      const result = digest.finish();
      return { ...result, rawBytes, ...(hash ? { hash: hash.digest('hex') } : {}) };
    },
  };
}

/** The whole-string form of the cleaner. */
export function cleanText(text: string, options: CleanTextOptions = {}): CleanedText {
  const cleaner = createTextCleaner(options);
  cleaner.push(text);
  return cleaner.end();
}
