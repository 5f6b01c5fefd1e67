// Folds runs of repeated lines into one line with a count, and runs of lines that differ only in their
// numbers (progress counters, timestamps, "epoch 12/100") into the first and the last of the run with a
// count of the ones between: the shape of the output survives, the bulk does not.

/** A folded line, with how many raw lines and raw characters it stands for. */
export type FoldedSink = (text: string, rawLines: number, rawChars: number) => void;

export interface LineFolder {
  add(line: string, rawChars: number): void;
  /** Emits the run in progress. */
  flush(): void;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Whether two lines are the same once every number (digits, with `.`/`,`/`:` inside) is taken as equal.
 * A scan without allocation that stops at the first difference — most neighbouring lines differ early.
 */
export function sameButNumbers(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let numbers = false;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      numbers = true;
      while (
        i < a.length &&
        (isDigit(a.charCodeAt(i)) || (isSeparator(a.charCodeAt(i)) && isDigit(a.charCodeAt(i + 1))))
      )
        i++;
      while (
        j < b.length &&
        (isDigit(b.charCodeAt(j)) || (isSeparator(b.charCodeAt(j)) && isDigit(b.charCodeAt(j + 1))))
      )
        j++;
      continue;
    }
    if (ca !== cb) return false;
    i++;
    j++;
  }
  return numbers && i === a.length && j === b.length;
}
const isSeparator = (c: number) => c === 46 || c === 44 || c === 58;

export function createLineFolder(emit: FoldedSink): LineFolder {
  let count = 0;
  let first = '';
  let last = '';
  let distinct = false;
  let rawChars = 0;
  let firstChars = 0;

  const flush = () => {
    if (count === 0) return;
    if (first === '' && !distinct)
      emit('', count, rawChars); // a run of blank lines shows as one
    else if (count === 1) emit(first, 1, rawChars);
    else if (!distinct) emit(`${first} [×${count}]`, count, rawChars);
    else if (count === 2) {
      emit(first, 1, firstChars);
      emit(last, 1, rawChars - firstChars);
    } else {
      emit(first, 1, firstChars);
      emit(`  ⟨… ${count - 2} similar lines (numbers differ) …⟩`, count - 2, 0);
      emit(last, 1, rawChars - firstChars);
    }
    count = 0;
  };

  return {
    add(line: string, chars: number) {
      if (count > 0 && line === last) {
        count++;
        rawChars += chars;
        return;
      }
      if (count > 0 && line !== '' && sameButNumbers(line, last)) {
        count++;
        rawChars += chars;
        distinct = true;
        last = line;
        return;
      }
      flush();
      count = 1;
      first = last = line;
      distinct = false;
      rawChars = firstChars = chars;
    },
    flush,
  };
}
