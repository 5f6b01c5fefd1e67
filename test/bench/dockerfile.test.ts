import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandVariables, parseDockerfile, parseEnvPairs, splitWords } from '../../src/bench/dockerfile.ts';
import { classifySegment, replaceSegments, splitShellSegments } from '../../src/bench/package-installs.ts';

test('Dockerfile: continuations, comments inside them, flags, JSON form, heredoc, line numbers', () => {
  const text = [
    '# syntax=docker/dockerfile:1',
    'FROM debian:bookworm-slim AS base',
    '',
    'RUN apt-get update && \\',
    '    # a comment inside the continuation',
    '    apt-get install -y python3 \\',
    '    git',
    'COPY --chown=1000:1000 src/ /app/src/',
    'CMD ["bash", "-lc", "echo hi"]',
    'RUN <<EOF',
    'echo one',
    'echo two',
    'EOF',
    'workdir /app',
  ].join('\n');
  const ins = parseDockerfile(text);
  assert.deepEqual(ins.map((i) => [i.keyword, i.line]), [['FROM', 2], ['RUN', 4], ['COPY', 8], ['CMD', 9], ['RUN', 10], ['WORKDIR', 14]]);
  assert.equal(ins[1]!.args.replace(/\s+/g, ' '), 'apt-get update && apt-get install -y python3 git');
  assert.deepEqual(ins[2]!.flags, { chown: '1000:1000' });
  assert.equal(ins[2]!.args, 'src/ /app/src/');
  assert.deepEqual(ins[3]!.json, ['bash', '-lc', 'echo hi']);
  assert.equal(ins[4]!.args, '<<EOF\necho one\necho two\nEOF');
});

test('variables, words and ENV forms as Docker reads them', () => {
  assert.equal(expandVariables('${HOME}/x $A ${B:-dflt} ${A:+alt} \\$A', { HOME: '/root', A: '1' }), '/root/x 1 dflt alt $A');
  assert.deepEqual(splitWords(`"a b" c\\ d 'e'`), ['a b', 'c d', 'e']);
  assert.deepEqual(parseEnvPairs('A=1 B="two words" C='), [['A', '1'], ['B', 'two words'], ['C', '']]);
  assert.deepEqual(parseEnvPairs('PATH_EXTRA /opt/bin and more'), [['PATH_EXTRA', '/opt/bin and more']]);
});

test('RUN segments: package installs are found, housekeeping recognised, the rest kept', () => {
  const cmd = "DEBIAN_FRONTEND=noninteractive apt-get update && apt-get install -y --no-install-recommends python3=3.11* git -o Dpkg::Options::=x && rm -rf /var/lib/apt/lists/* ; pip3 install 'numpy==1.26' requests[socks]>=2 -r req.txt && echo 'a && b' > f";
  const segs = splitShellSegments(cmd);
  assert.deepEqual(segs.map((s) => classifySegment(s.text).kind), ['apt-housekeeping', 'apt-install', 'apt-housekeeping', 'pip-install', 'other']);
  assert.deepEqual(classifySegment(segs[1]!.text), { kind: 'apt-install', packages: ['python3', 'git'] });
  assert.deepEqual(classifySegment(segs[3]!.text), { kind: 'pip-install', packages: ['numpy', 'requests'], requirementFiles: ['req.txt'] });
  assert.equal(segs[4]!.text.trim(), "echo 'a && b' > f");
  assert.deepEqual(classifySegment('python3 -m pip install --index-url http://x pkg'), { kind: 'pip-install', packages: ['pkg'], requirementFiles: [] });
  assert.equal(replaceSegments('apt-get update && make', [segs[0]!].map((s) => ({ ...s, end: 'apt-get update'.length, start: 0 }))).trim(), 'true  && make');
});
