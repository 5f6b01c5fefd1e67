import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { buildStages } from '../../src/bench/build-stages.ts';
import { expandVariables, parseDockerfile, parseEnvPairs, splitWords } from '../../src/bench/dockerfile.ts';
import {
  classifyWords,
  findCommands,
  findWrittenPaths,
  neutraliseCommands,
  parseRequirements,
} from '../../src/bench/package-installs.ts';

/** What `sh -n` (dash, the /bin/sh of Debian) says of a script: '' when it is valid shell. */
function shSyntax(script: string): string {
  try {
    execFileSync('sh', ['-n', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (error) {
    return String((error as { stderr: Buffer }).stderr).trim();
  }
}

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
  assert.deepEqual(
    ins.map((i) => [i.keyword, i.line]),
    [
      ['FROM', 2],
      ['RUN', 4],
      ['COPY', 8],
      ['CMD', 9],
      ['RUN', 10],
      ['WORKDIR', 14],
    ],
  );
  assert.equal(ins[1]!.args.replace(/\s+/g, ' '), 'apt-get update && apt-get install -y python3 git');
  assert.deepEqual(ins[2]!.flags, { chown: '1000:1000' });
  assert.equal(ins[2]!.args, 'src/ /app/src/');
  assert.deepEqual(ins[3]!.json, ['bash', '-lc', 'echo hi']);
  assert.equal(ins[4]!.args, '<<EOF\necho one\necho two\nEOF');
  assert.deepEqual(ins[4]!.heredocs, [{ name: 'EOF', body: 'echo one\necho two\n', quoted: false }]);
});

test('the published apt idiom (operators at line starts, comments in the continuation) reaches the shell as one valid command', () => {
  const text = [
    'FROM debian',
    'RUN apt-get update \\',
    '    && apt-get install -y --no-install-recommends python3 \\',
    '    # tools for the tests',
    '    || echo fallback \\',
    '    ; rm -rf /var/lib/apt/lists/*',
  ].join('\n');
  const run = parseDockerfile(text)[1]!;
  assert.ok(!run.args.includes('\n'), JSON.stringify(run.args));
  assert.equal(shSyntax(run.args), '');
  // The hand-made join this replaces put each continued line on its own line, which dash rejects.
  assert.match(shSyntax('apt-get update\n    && true'), /Syntax error: "&&" unexpected/);
});

test('escape directive, CRLF line ends and heredocs with quoted or dashed delimiters', () => {
  const ins = parseDockerfile(
    '# escape=`\r\nFROM x\r\nRUN echo a `\r\n    && echo b\r\nRUN cat <<-"END" > /f && echo done\n\tkeep $X\n\tEND\n',
  );
  assert.equal(ins[1]!.args.replace(/\s+/g, ' '), 'echo a && echo b');
  assert.deepEqual(ins[2]!.heredocs, [{ name: 'END', body: 'keep $X\n', quoted: true }]);
});

test('variables, words and ENV forms as Docker reads them', () => {
  assert.equal(
    expandVariables('${HOME}/x $A ${B:-dflt} ${A:+alt} \\$A ${E-unset} ${E:-empty}', { HOME: '/root', A: '1', E: '' }),
    '/root/x 1 dflt alt $A  empty',
  );
  assert.deepEqual(splitWords(`"a b" c\\ d 'e'`), ['a b', 'c d', 'e']);
  assert.deepEqual(parseEnvPairs('A=1 B="two words" C='), [
    ['A', '1'],
    ['B', 'two words'],
    ['C', ''],
  ]);
  assert.deepEqual(parseEnvPairs('PATH_EXTRA /opt/bin and more'), [['PATH_EXTRA', '/opt/bin and more']]);
});

test('multi-stage: the final stage and the stages it is built FROM, in order', () => {
  const plan = buildStages(
    parseDockerfile(
      'ARG V=3\nFROM python:${V} AS base\nRUN a\nFROM golang AS tools\nRUN b\nFROM base AS final\nRUN c\n',
    ),
  );
  assert.deepEqual(
    plan.globalArgs.map((i) => i.args),
    ['V=3'],
  );
  assert.deepEqual(
    plan.chain.map((s) => s.name),
    ['base', 'final'],
  );
  assert.deepEqual(
    plan.stages.map((s) => s.instructions.map((i) => i.args).join()),
    ['a', 'b', 'c'],
  );
});

test('installs are found on the shell syntax tree: prefixes, quotes, variables, nesting; the rest is left alone', async () => {
  const cmd = [
    'DEBIAN_FRONTEND=noninteractive apt-get update && apt-get -y install --no-install-recommends python3=3.11* "git" -o Dpkg::Options::=x ${EXTRA} && rm -rf /var/lib/apt/lists/*',
    "pip3 install --no-cache-dir 'numpy==1.26' requests[socks]>=2 -r req.txt && echo 'apt-get install x && b' > f",
    'if ! command -v make; then sudo apt install -y make | tee log; fi',
  ].join(' ; ');
  const found = (await findCommands(cmd, { EXTRA: 'curl jq' })).filter((c) => c.kind.kind !== 'other');
  assert.deepEqual(
    found.map((c) => c.kind),
    [
      { kind: 'apt-housekeeping' },
      { kind: 'apt-install', packages: ['python3', 'git', 'curl', 'jq'], localFiles: [] },
      { kind: 'apt-housekeeping' },
      { kind: 'pip-install', packages: ['numpy', 'requests'], requirementFiles: ['req.txt'], localPaths: [] },
      { kind: 'apt-install', packages: ['make'], localFiles: [] },
    ],
  );
  const rewritten = await neutraliseCommands(cmd, found);
  assert.equal(
    rewritten,
    "true && true && true ; true && echo 'apt-get install x && b' > f ; if ! command -v make; then true | tee log; fi",
  );
  assert.equal(shSyntax(rewritten), '');
  assert.deepEqual(classifyWords(['python3', '-m', 'pip', 'install', '--index-url', 'http://x', 'pkg', '-e', '.']), {
    kind: 'pip-install',
    packages: ['pkg'],
    requirementFiles: [],
    localPaths: ['.'],
  });
  assert.deepEqual(classifyWords(['apk', 'add', '--no-cache', 'bash']), { kind: 'foreign-install', manager: 'apk' });
  assert.deepEqual((await findCommands('apt-get install -y $(cat pkgs)'))[0]!.kind, {
    kind: 'apt-install',
    packages: ['?'],
    localFiles: [],
  });
  assert.deepEqual(
    parseRequirements('numpy==1.26  # pinned\n\n--index-url x\nPyYAML>=6 ; python_version > "3"\n-e .\n'),
    { packages: ['numpy', 'PyYAML'], unsupported: ['-e .'] },
  );
});

test('every idiom keeps the same control flow once its installs are replaced by true', async () => {
  const scripts = [
    'apt-get update\n  apt-get install -y python3\n  echo done',
    'set -e; for p in a b; do echo $p; done && apt-get install -y python3 || exit 1',
    'cat <<EOF > /etc/x.conf && apt-get install -y python3\nkey=$(date)\nEOF\necho after',
    '( cd /tmp && pip install pytest ) && { apt-get clean; echo ok; }',
    'case "$X" in a) apt-get install -y python3 ;; *) echo other ;; esac',
    'echo "$(apt-get install -y python3 2>&1 | tail -1)" # comment && apt-get install -y x',
  ];
  for (const script of scripts) {
    const installs = (await findCommands(script)).filter((c) => c.kind.kind !== 'other');
    assert.ok(installs.length > 0, script);
    const out = await neutraliseCommands(script, installs);
    assert.equal(shSyntax(out), '', out);
    // Only commands are replaced: a comment that mentions an install stays as written.
    assert.doesNotMatch(out.replace(/ # .*$/gm, ''), /apt-get install|pip install|apt-get clean/, out);
  }
});

test('paths a RUN writes are read from its syntax tree', async () => {
  const script =
    "mkdir -p /usr/local/bin && printf 'x' > \"$D/nproc\" && ln -sf /usr/bin/python3 /usr/bin/python; echo ok >> /etc/motd 2>/dev/null; sed -i 's/a/b/' /etc/x.conf; cat /etc/passwd | wc -l";
  assert.deepEqual(await findWrittenPaths(script, { D: '/usr/local/bin' }), [
    '/usr/local/bin',
    '/usr/local/bin/nproc',
    '/usr/bin/python',
    '/etc/motd',
    '/dev/null',
    '/etc/x.conf',
  ]);
});
