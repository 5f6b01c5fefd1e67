// How reports show paths and model specs: relative to the current directory when inside it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { shownModel, shownModelOrNull, shownPath } from '../../src/report/shown.ts';

test("a file-backed model's path is shown relative to the current directory when inside it; other specs as given", () => {
  const inside = join(process.cwd(), 'runs', 'demo', 'coding-agent.script.yaml');
  assert.equal(shownPath(inside), 'runs/demo/coding-agent.script.yaml');
  assert.equal(shownPath(process.cwd()), '.');
  assert.equal(shownModel(`scripted:${inside}`), 'scripted:runs/demo/coding-agent.script.yaml');
  assert.equal(shownModel(`chaos:0.2:scripted:${inside}`), 'chaos:0.2:scripted:runs/demo/coding-agent.script.yaml');
  assert.equal(shownModel(`replay:${inside}`), 'replay:runs/demo/coding-agent.script.yaml');
  assert.equal(shownModel(`sim-evolver:${inside}`), 'sim-evolver:runs/demo/coding-agent.script.yaml');
  // Outside the current directory: the absolute path, as shownPath shows it.
  const outside = join(process.cwd(), '..', 'elsewhere-xyz', 'm.yaml');
  assert.equal(shownModel(`scripted:${outside}`), `scripted:${outside}`);
  // Provider models, relative paths and an absent model are left alone.
  assert.equal(shownModel('openai:gpt-5.4'), 'openai:gpt-5.4');
  assert.equal(shownModel('scripted:runs/x.yaml'), 'scripted:runs/x.yaml');
  assert.equal(shownModelOrNull(null), null);
  assert.equal(shownModelOrNull(undefined), null);
});
