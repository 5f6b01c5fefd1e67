// Failing tests from checkers that are not pytest: the bundled tasks' `FAIL name: message` and TAP.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPytestParser } from '../../src/debugger/pytest-output.ts';

const parse = (text: string) => {
  const p = createPytestParser();
  for (const line of text.split('\n')) p.add(line);
  return p.finish();
};

test('plain FAIL lines and TAP failures become failing tests with their messages', () => {
  const r = parse(
    [
      'ok   header_present',
      "FAIL ten_lines_word_space_count: FileNotFoundError: [Errno 2] No such file or directory: '/app/top10.txt'",
      'FAIL words_and_counts_correct_and_ordered: AssertionError: expected the, got a',
      '1..3',
      'not ok 3 - handles empty input # exit 1',
      'FAILED tests/test_x.py::test_y - AssertionError: boom',
    ].join('\n'),
  );
  assert.deepEqual(r.failing, [
    {
      name: 'ten_lines_word_space_count',
      message: "FileNotFoundError: [Errno 2] No such file or directory: '/app/top10.txt'",
    },
    { name: 'words_and_counts_correct_and_ordered', message: 'AssertionError: expected the, got a' },
    { name: 'handles empty input', message: '' },
    { name: 'tests/test_x.py::test_y', message: 'AssertionError: boom' },
  ]);
});
