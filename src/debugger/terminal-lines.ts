// Turns raw terminal text (a tool output, a tmux log, an asciinema stream) into the lines a person would
// have seen: escape sequences stripped, carriage-return redraws (progress bars, spinners) collapsed to the
// last state of the line. Streaming: memory is bounded by one line, and a line is capped, because a
// progress bar redrawn 10k times without a newline is one "line" of megabytes.

/** CSI, OSC (BEL- or ST-terminated, or cut at the line end), DCS/SOS/PM/APC strings, and two-byte escapes. */
const ANSI =
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[\x20-\x2f]*[\x30-\x7e]?)|\x9b[0-?]*[ -/]*[@-~]/g;
/** Overstrike pairs (`x\bx`, man-page bold) first, then the remaining C0 controls except tab. */
const BACKSPACE_PAIR = /[^\x08]\x08/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const HAS_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** Anything that needs work: escapes (ESC, 8-bit CSI), `\r`, other controls. Most lines have none: one scan. */
const NEEDS_WORK = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;

export const DEFAULT_MAX_LINE_CHARS = 16_384;

const isBlank = (s: string) => s.replace(ANSI, '').trim() === '';

/** The last non-blank `\r`-separated segment: what stays on screen after a redraw loop. */
function lastState(line: string): string {
  const segments = line.split('\r');
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.trim() !== '') return segments[i]!;
  return '';
}

/** One complete raw line (no `\n`) → the text a reader sees. */
export function renderTerminalLine(raw: string): string {
  if (!NEEDS_WORK.test(raw)) return raw.trimEnd();
  let s = raw;
  if (s.indexOf('\x1b') !== -1 || s.indexOf('\x9b') !== -1) s = s.replace(ANSI, '');
  if (s.indexOf('\r') !== -1) s = lastState(s);
  if (HAS_CONTROL.test(s)) s = s.replace(BACKSPACE_PAIR, '').replace(CONTROL, '');
  return s.trimEnd();
}

export type LineSink = (line: string, rawChars: number) => void;

export interface TerminalLineSplitter {
  push(text: string): void;
  /** Flushes a last line that had no newline. */
  end(): void;
}

export function createTerminalLineSplitter(
  onLine: LineSink,
  maxLineChars = DEFAULT_MAX_LINE_CHARS,
): TerminalLineSplitter {
  let partial = '';
  /** Characters of the current line already accounted for but no longer held (redraws, overflow). */
  let droppedChars = 0;
  let overflowChars = 0;

  const emit = (raw: string) => {
    const suffix = overflowChars > 0 ? ` …[+${overflowChars} chars]` : '';
    onLine(renderTerminalLine(raw) + suffix, raw.length + droppedChars + overflowChars + 1);
    partial = '';
    droppedChars = 0;
    overflowChars = 0;
  };

  // Keeps a long unterminated line small: redraw segments collapse to the newest state; text without
  // any `\r` beyond the cap is counted, not kept.
  const compact = () => {
    if (overflowChars > 0) return;
    if (partial.indexOf('\r') !== -1) {
      const before = partial.length;
      const segments = partial.split('\r');
      const current = segments[segments.length - 1]!;
      if (!isBlank(current)) partial = current;
      else {
        let kept = '';
        for (let i = segments.length - 2; i >= 0; i--)
          if (!isBlank(segments[i]!)) {
            kept = segments[i]!;
            break;
          }
        partial = kept ? `${kept}\r${current}` : current;
      }
      droppedChars += before - partial.length;
    }
    if (partial.length > maxLineChars) {
      overflowChars = partial.length - maxLineChars;
      partial = partial.slice(0, maxLineChars);
    }
  };

  const append = (piece: string) => {
    if (overflowChars > 0) overflowChars += piece.length;
    else {
      partial += piece;
      if (partial.length > maxLineChars) compact();
    }
  };

  return {
    push(text: string) {
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        const piece = text.slice(start, nl);
        if (partial === '' && overflowChars === 0 && piece.length <= maxLineChars) emit(piece);
        else {
          append(piece);
          emit(partial);
        }
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      if (start < text.length) append(text.slice(start));
    },
    end() {
      if (partial !== '' || overflowChars > 0 || droppedChars > 0) emit(partial);
    },
  };
}
