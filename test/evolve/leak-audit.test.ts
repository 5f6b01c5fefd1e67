// The anti-leak audit on the real bundled training tasks: lessons that name a task, quote its
// instruction, its tests, its expected outputs or its solution are caught; general advice and the
// bundled harnesses pass.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { addedLines } from '../../src/evolve/added-lines.ts';
import { auditChange, type ChangedFile, formatLeakFindings } from '../../src/evolve/leak-audit.ts';
import { buildLeakIndex, taskNamePattern } from '../../src/evolve/leak-index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { tasks } = loadTaskSuite(join(root, 'tasks/train'));
const index = buildLeakIndex(tasks);
const lesson = (text: string, before: string | null = null): ChangedFile[] => [
  { path: 'memory/lessons.md', before, after: text },
];
const audit = (text: string, before: string | null = null) =>
  auditChange({ files: lesson(text, before), tasks, index });

test('the bundled training tasks are there to audit against', () => {
  assert.equal(tasks.length, 30);
  assert.ok(tasks.some((t) => t.name === 'csv-region-totals'));
});

test('general advice passes', () => {
  for (const text of [
    '- When a task names a CSV, check quoting.',
    '- Run the tests before finishing.',
    '- Work in /app; use python3, not python.',
    '- Use `git --no-pager log` to read history and never start an editor.',
    '- Run `cd /app && python3 -m unittest discover -s tests` style commands to see the starting state.',
    '- Use decimal.Decimal for money amounts, never floats; round half up only when the spec says so.',
    '- A server started for a test must run in the background (`cmd > log 2>&1 &`); ports like 8080 may be taken.',
    '- Parse timestamps with %Y-%m-%dT%H:%M:%S and keep them in UTC.',
    '- Before writing output, re-read the instruction and check the exact file name, header and column order it asks for.',
    '- Sort ties alphabetically only when the task says so; otherwise keep input order.',
    '- Prefer `subprocess.run(cmd, capture_output=True, text=True, timeout=10)` over os.system in helper scripts.',
    '- Numbers like 1000 or 1500 are limits, not answers; years such as 2024 are fine too.',
  ]) {
    const r = audit(text);
    assert.equal(r.ok, true, `${text}\n${formatLeakFindings(r)}`);
  }
});

test('the bundled harnesses (seed, example, evolver) contain no task-specific content', () => {
  const walk = (d: string): string[] =>
    readdirSync(d)
      .sort()
      .flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  const files = walk(join(root, 'harnesses')).map((p) => ({
    path: p.slice(root.length),
    before: null,
    after: readFileSync(p, 'utf8'),
  }));
  assert.ok(files.length >= 10);
  const r = auditChange({ files, tasks, index });
  assert.deepEqual(r.findings, []);
});

test('a lesson naming a task fails, in any spelling of its name', () => {
  const r = audit('# Lessons\n- For csv-region-totals sort by revenue desc.');
  assert.deepEqual(r, {
    ok: false,
    findings: [
      { file: 'memory/lessons.md', line: 2, kind: 'task-name', match: 'csv-region-totals', task: 'csv-region-totals' },
    ],
  });
  assert.deepEqual(
    audit('CSV_Region_Totals needs two decimals').findings.map((f) => [f.kind, f.match]),
    [['task-name', 'CSV_Region_Totals']],
  );
  assert.deepEqual(
    audit('for csv region totals, sort').findings.map((f) => [f.kind, f.task]),
    [['task-name', 'csv-region-totals']],
  );
  // A whole token only: a longer word that contains the name is something else.
  assert.equal(audit('see csv-region-totals2 and xcsv-region-totals').ok, true);
});

test('short one-word task names are everyday words and are not matched', () => {
  assert.equal(taskNamePattern('sort'), undefined);
  assert.equal(taskNamePattern('grep'), undefined);
  assert.ok(taskNamePattern('sqlite')!.test('the SQLite task'));
  const sortTask = {
    ...tasks[0]!,
    name: 'sort',
    instruction: 'x',
    testsDir: undefined,
    testScript: undefined,
    solutionScript: undefined,
    steps: [],
  };
  assert.equal(auditChange({ files: lesson('- sort the output before comparing it'), tasks: [sortTask] }).ok, true);
});

test("a lesson quoting an instruction's sentence fails, even wrapped over two lines", () => {
  const r = audit('- Words are counted case-insensitively and written in lower case.');
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.kind, f.task]),
    [[1, 'instruction-text', 'top-words']],
  );
  assert.equal(r.findings[0]!.match, 'words are counted case insensitively and written in lower case');
  const wrapped = audit('Remember:\nthe history of main has already been shared with others,\nso do not rewrite it.');
  assert.deepEqual(
    wrapped.findings.map((f) => [f.line, f.kind, f.task]),
    [[2, 'instruction-text', 'git-revert-bad-commit']],
  );
});

test('literals of an instruction fail: its files and paths, its column lists, its quoted phrases', () => {
  const f = (text: string) => audit(text).findings.map((x) => [x.kind, x.match, x.task]);
  assert.deepEqual(f('Write the totals to /app/region_totals.csv'), [
    ['instruction-text', '/app/region_totals.csv', 'csv-region-totals'],
  ]);
  assert.deepEqual(f('The header must be region,revenue'), [
    ['instruction-text', 'region,revenue', 'csv-region-totals'],
  ]);
  assert.deepEqual(f('Find the commit "Tune pricing constants" first'), [
    ['instruction-text', 'tune pricing constants', 'git-revert-bad-commit'],
  ]);
  assert.deepEqual(f('export JOB_NAME before running'), [['instruction-text', 'job_name', 'job-runner-dag']]);
});

test('a lesson containing an expected number from a test fails', () => {
  const r = audit('- After the fix, price.py must print 1140.00 for an input of 1000.');
  const byKind = r.findings.map((x) => [x.kind, x.match, x.task]);
  assert.deepEqual(byKind, [
    ['instruction-text', 'price.py', 'git-revert-bad-commit'],
    ['expected-output', '1140.00', 'git-revert-bad-commit'],
  ]);
  // Written with a thousands separator, the same number; 129.90 is another expected price of the same test.
  assert.deepEqual(
    audit('- totals such as 1,140.00 or 129.90').findings.map((x) => [x.kind, x.match]),
    [
      ['expected-output', '1140.00'],
      ['expected-output', '129.90'],
    ],
  );
  // A number three training tasks share (1234.50 in csv-region-totals, fix-money-library, sqlite-shop-report) is a convention, not a leak.
  assert.equal(audit('- format amounts like 1234.50').ok, true);
  assert.deepEqual(
    audit('the dsn should read host=db1.internal').findings.map((x) => [x.kind, x.match, x.task]),
    [['expected-output', 'host=db1.internal', 'ini-bundle-to-json']],
  );
});

test('test file contents fail: a line of a test, an assertion message', () => {
  const line = 'assert "Usage" in readme, "README.md lost the usage documentation of a later commit"';
  assert.deepEqual(
    audit(`    ${line}`).findings.map((x) => [x.kind, x.task]),
    [['test-content', 'git-revert-bad-commit']],
  );
  assert.deepEqual(
    audit('- if rows are not ordered by revenue, largest first: re-sort').findings.map((x) => [
      x.kind,
      x.match,
      x.task,
    ]),
    [['test-content', 'rows are not ordered by revenue, largest first:', 'csv-region-totals']],
  );
});

test('solution lines fail', () => {
  const r = audit('git -c user.name=oracle -c user.email=oracle@example.com revert --no-edit "$bad"');
  assert.deepEqual(
    r.findings.map((x) => [x.kind, x.task]),
    [['solution-content', 'git-revert-bad-commit']],
  );
});

test('only added lines are read: text that was already there is not flagged again; line numbers are of the new file', () => {
  const before = '# Lessons\n- For csv-region-totals sort by revenue desc.\n';
  assert.equal(audit(`${before}- Run the tests before finishing.\n`, before).ok, true);
  const r = audit(
    `# Lessons\n- Check the exit status.\n- For csv-region-totals sort by revenue desc.\n- Also top-words.\n`,
    before,
  );
  assert.deepEqual(
    r.findings.map((f) => [f.line, f.match]),
    [[4, 'top-words']],
  );
});

test('addedLines: a multiset difference of trimmed lines', () => {
  assert.deepEqual(addedLines(null, 'a\n\nb'), [
    { line: 1, text: 'a' },
    { line: 3, text: 'b' },
  ]);
  assert.deepEqual(addedLines('a\nb', 'b\n  a\nc'), [{ line: 3, text: 'c' }]);
  assert.deepEqual(addedLines('x', 'x\ny\nx'), [
    { line: 2, text: 'y' },
    { line: 3, text: 'x' },
  ]);
});

test('deterministic and ordered: by file, line, kind; one finding per string on a line', () => {
  const files: ChangedFile[] = [
    { path: 'skills/b/SKILL.md', before: null, after: 'Write /app/top10.txt for top-words' },
    { path: 'memory/a.md', before: null, after: 'read /app/sales.csv\nthen /app/book.txt' },
  ];
  const a = auditChange({ files, tasks });
  const b = auditChange({ files, tasks: [...tasks].reverse() });
  assert.deepEqual(a, b);
  assert.deepEqual(
    a.findings.map((f) => `${f.file}:${f.line} ${f.kind} ${f.match}`),
    [
      'memory/a.md:1 instruction-text /app/sales.csv',
      'memory/a.md:2 instruction-text /app/book.txt',
      'skills/b/SKILL.md:1 task-name top-words',
      'skills/b/SKILL.md:1 instruction-text /app/top10.txt',
    ],
  );
  assert.equal(
    formatLeakFindings(a).split('\n')[0],
    'memory/a.md:1 instruction-text "/app/sales.csv" (task csv-region-totals)',
  );
  assert.equal(formatLeakFindings({ ok: true, findings: [] }), 'no task-specific content found');
});
