// The cleaner's text primitives on crafted outputs: what a reader must still see (errors, tracebacks,
// the head and the tail, counts) and what must be gone (escapes, redraws, repeats).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { cleanText, createTextCleaner } from '../../src/debugger/clean-text.ts';
import { isErrorLine } from '../../src/debugger/error-lines.ts';
import { sameButNumbers } from '../../src/debugger/fold-lines.ts';

const noise = (i: number) => `noise ${createHash('md5').update(String(i)).digest('hex').replace(/\d/g, 'x')} ok`;

test('ANSI colours, OSC titles and cursor codes are stripped; the words stay', () => {
  const raw =
    '\x1b[1;31mERROR\x1b[0m: disk full\n\x1b]0;user@box: ~\x07user@box:~$ ls\n\x1b[2K\x1b[1A\x1b[Gdone \x1b(Bx\n\x1b[?2004hprompt\x1b[?2004l\n';
  const r = cleanText(raw);
  assert.equal(r.text, 'ERROR: disk full\nuser@box:~$ ls\ndone x\nprompt');
  assert.deepEqual(r.errors, ['ERROR: disk full']);
  assert.doesNotMatch(r.text, /\x1b/);
});

test('a progress bar redrawn 10,000 times with \\r keeps only its last state', () => {
  let raw = 'Downloading model\n';
  for (let i = 0; i <= 10_000; i++) raw += `\r[${'#'.repeat(Math.floor(i / 250)).padEnd(40)}] ${(i / 100).toFixed(2)}%`;
  raw += '\nsaved model.bin\n';
  const r = cleanText(raw);
  assert.equal(r.text, `Downloading model\n[${'#'.repeat(40)}] 100.00%\nsaved model.bin`);
  assert.equal(r.rawLines, 3);
  assert.equal(r.rawBytes, Buffer.byteLength(raw));
});

test('a spinner that clears its line before the next message does not erase the message', () => {
  const r = cleanText(
    '\r0% [Working]\r            \rHit:1 http://deb.debian.org bookworm InRelease\r\n\r⠋ \r⠙ \r⠹ \r   \r',
  );
  assert.equal(r.text, 'Hit:1 http://deb.debian.org bookworm InRelease\n⠹');
});

test('10,000 repeated lines fold into one line with a count', () => {
  const r = cleanText(`start\n${'Waiting for lock on /var/lib/dpkg/lock...\n'.repeat(10_000)}end\n`);
  assert.equal(r.text, 'start\nWaiting for lock on /var/lib/dpkg/lock... [×10000]\nend');
});

test('lines that differ only in numbers fold to the first and last with a count', () => {
  const lines = Array.from(
    { length: 500 },
    (_, i) => `2025-01-01 12:00:${String(i % 60).padStart(2, '0')} epoch ${i}/500 loss=${(1 / (i + 1)).toFixed(4)}`,
  );
  const r = cleanText(['training', ...lines, 'finished'].join('\n'));
  assert.equal(
    r.text,
    ['training', lines[0], '  ⟨… 498 similar lines (numbers differ) …⟩', lines[499], 'finished'].join('\n'),
  );
  assert.ok(sameButNumbers('batch 12 of 100 (3.5s)', 'batch 13 of 100 (12.25s)'));
  assert.ok(!sameButNumbers('batch 12 of 100', 'batch 12 of 100 done'));
  assert.ok(!sameButNumbers('same text', 'same text'), 'identical lines are a repeat, not a numbers-only variant');
});

test('a long output keeps its head and tail and says how much was dropped', () => {
  const lines = Array.from({ length: 5000 }, (_, i) => noise(i));
  const r = cleanText(lines.join('\n'), { headLines: 5, headChars: 10_000, tailLines: 5, tailChars: 10_000 });
  const shown = r.text.split('\n');
  assert.deepEqual(shown.slice(0, 5), lines.slice(0, 5));
  assert.deepEqual(shown.slice(-5), lines.slice(-5));
  assert.match(shown[5]!, /^⟨… 4990 lines \(\d+\.\d KB\) omitted …⟩$/);
  assert.equal(r.omittedLines, 4990);
});

test('a Python traceback in the middle of noise is kept whole, verbatim', () => {
  const traceback = [
    'Traceback (most recent call last):',
    '  File "/app/train.py", line 88, in <module>',
    '    main()',
    '  File "/app/train.py", line 71, in main',
    '    data = load(path)',
    '  File "/app/io.py", line 12, in load',
    '    with open(path) as f:',
    "FileNotFoundError: [Errno 2] No such file or directory: '/data/part-7.csv'",
  ];
  const lines = [
    ...Array.from({ length: 3000 }, (_, i) => noise(i)),
    ...traceback,
    ...Array.from({ length: 3000 }, (_, i) => noise(i + 3000)),
  ];
  const r = cleanText(lines.join('\n'));
  assert.deepEqual(r.errors, [traceback.join('\n')]);
  assert.doesNotMatch(r.text, /Traceback/, 'the traceback itself was in the omitted middle');
});

test('error lines are recognised; look-alikes are not', () => {
  for (const line of [
    'gcc: error: foo.c: No such file',
    'bash: pytest: command not found',
    'FAILED tests/test_a.py::test_x - assert 1 == 2',
    'fatal: not a git repository',
    'E       AssertionError: expected 3',
    'Segmentation fault (core dumped)',
    'ModuleNotFoundError: No module named numpy',
    'cp: cannot stat x: Permission denied',
    'npm ERR! code ERESOLVE',
    '/tests/test_outputs.py:39: AssertionError',
  ]) {
    assert.ok(isErrorLine(line), line);
  }
  for (const line of [
    'Error: (none)',
    '12 passed, 0 failed',
    'raise ValueError(f"bad value")',
    'except KeyError:  # handled',
    'errors=0 warnings=2',
    'no errors found',
  ]) {
    assert.ok(!isErrorLine(line), line);
  }
});

test('error lines are capped and repeats of the same error are counted', () => {
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) lines.push(`src/m${i}.c:${i}:1: error: unknown type name 'size_t'`, `warning ${i}`);
  const r = cleanText(lines.join('\n'), { errors: { maxEntries: 3 } });
  assert.deepEqual(r.errors, ["src/m0.c:0:1: error: unknown type name 'size_t' [×100]"]);
  const distinct = cleanText(['a: error: one', 'b: error: two', 'c: error: three', 'd: error: four'].join('\n'), {
    errors: { maxEntries: 2 },
  });
  assert.deepEqual(distinct.errors, ['a: error: one', 'b: error: two', '⟨2 more error lines not kept⟩']);
});

test('chunk boundaries never change the result (split escapes, CRLF, multi-byte characters)', () => {
  const raw = Buffer.from(
    'héllo wörld ✓\r\n\x1b[32mgreen\x1b[0m\r\nprogress 1%\rprogress 100%\n日本語のテキスト\nfatal: done\n'.repeat(20),
  );
  const whole = cleanText(raw.toString('utf8'), { hash: true });
  const cleaner = createTextCleaner({ hash: true });
  for (let i = 0; i < raw.length; i += 3) cleaner.push(raw.subarray(i, i + 3));
  const chunked = cleaner.end();
  assert.deepEqual(chunked, whole);
  assert.match(whole.text, /^héllo wörld ✓\ngreen\nprogress 100%\n日本語のテキスト\nfatal: done/);
});

test('a line with no newline at all is held only up to a cap, with the count of what was cut', () => {
  const r = cleanText('x'.repeat(200_000), { maxRawLineChars: 1000, maxLineChars: 5000 });
  assert.equal(r.rawLines, 1);
  assert.ok(r.text.startsWith('x'.repeat(900)));
  assert.match(r.text, /…\[\+199000 chars\]$/);
  assert.equal(r.rawBytes, 200_000);
});

test('a 50 MB output streams through in bounded memory; head, tail, byte count and the buried error survive', () => {
  const cleaner = createTextCleaner({ hash: true });
  const before = process.memoryUsage().heapUsed;
  const target = 50 * 1024 * 1024;
  let bytes = 0;
  let line = 0;
  let planted = false;
  let peak = 0;
  while (bytes < target) {
    let chunk = '';
    for (let k = 0; k < 2000; k++, line++)
      chunk += line % 3 === 0 ? `${noise(line)}\n` : `[${line}] processed record ${line} in ${line % 97}ms\n`;
    if (!planted && bytes > target / 2) {
      chunk += 'panic: runtime error: index out of range [7] with length 7\n';
      planted = true;
    }
    cleaner.push(chunk);
    bytes += Buffer.byteLength(chunk);
    if (line % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  }
  cleaner.push('final line: all records written\n');
  bytes += 32;
  const r = cleaner.end();
  assert.equal(r.rawBytes, bytes);
  assert.ok(r.text.startsWith(noise(0)), 'the head is the start of the output');
  assert.match(r.text, /final line: all records written$/);
  assert.match(r.text, /⟨… \d+ lines \(\d+\.\d MB\) omitted …⟩/);
  assert.ok(r.errors.includes('panic: runtime error: index out of range [7] with length 7'));
  assert.ok(r.text.length < 10_000, `cleaned to ${r.text.length} chars`);
  assert.ok(peak < 64 * 1024 * 1024, `heap grew by ${Math.round(peak / 1e6)} MB while cleaning`);
});
