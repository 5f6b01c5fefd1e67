// Keeps the beginning and the end of a long text and counts what was dropped between them: the head says
// what a command started doing, the tail how it ended. Bounded memory: the tail is a ring of lines.

export interface HeadTailOptions {
  headLines?: number;
  headChars?: number;
  tailLines?: number;
  tailChars?: number;
  /** A single shown line longer than this is cut in its middle. */
  maxLineChars?: number;
}

export interface HeadTailText {
  text: string;
  /** Raw lines and characters that are in neither the head nor the tail. */
  omittedLines: number;
  omittedChars: number;
}

export interface HeadTail {
  add(text: string, rawLines: number, rawChars: number): void;
  finish(): HeadTailText;
}

interface Kept {
  text: string;
  rawLines: number;
  rawChars: number;
}

export function cutLine(line: string, max: number): string {
  if (line.length <= max) return line;
  const head = Math.ceil(max * 0.7);
  const tail = max - head;
  return `${line.slice(0, head)} …[${line.length - head - tail} chars]… ${line.slice(line.length - tail)}`;
}

export const formatSize = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

export function createHeadTail(options: HeadTailOptions = {}): HeadTail {
  const headLines = options.headLines ?? 20;
  const headChars = options.headChars ?? 2000;
  const tailLines = options.tailLines ?? 30;
  const tailChars = options.tailChars ?? 3000;
  const maxLineChars = options.maxLineChars ?? 400;
  const head: string[] = [];
  let headUsed = 0;
  let headOpen = true;
  // Ring buffer: `tail[start..start+size)` modulo capacity.
  const capacity = Math.max(1, tailLines);
  const tail: Kept[] = new Array(capacity);
  let start = 0;
  let size = 0;
  let tailUsed = 0;
  let omittedLines = 0;
  let omittedChars = 0;

  const dropOldest = () => {
    const old = tail[start]!;
    omittedLines += old.rawLines;
    omittedChars += old.rawChars;
    tailUsed -= old.text.length;
    start = (start + 1) % capacity;
    size--;
  };

  return {
    add(raw: string, rawLines: number, rawChars: number) {
      const text = cutLine(raw, maxLineChars);
      if (headOpen && head.length < headLines && headUsed + text.length <= headChars) {
        head.push(text);
        headUsed += text.length + 1;
        return;
      }
      headOpen = false;
      if (tailLines === 0) {
        omittedLines += rawLines;
        omittedChars += rawChars;
        return;
      }
      if (size === capacity) dropOldest();
      tail[(start + size) % capacity] = { text, rawLines, rawChars };
      size++;
      tailUsed += text.length;
      while (size > 1 && tailUsed > tailChars) dropOldest();
    },
    finish() {
      const lines = [...head];
      if (omittedLines > 0) lines.push(`⟨… ${omittedLines} lines (${formatSize(omittedChars)}) omitted …⟩`);
      for (let i = 0; i < size; i++) lines.push(tail[(start + i) % capacity]!.text);
      return { text: lines.join('\n'), omittedLines, omittedChars };
    },
  };
}
