// A realistic ahe trial written to disk without holding it in memory: events.jsonl as the runtime writes
// it, full outputs in tool-outputs/ for the long ones (truncated in the event, as the runtime truncates),
// and a failing verifier. The outputs are the kinds agents really produce — package installs with
// progress bars, test runs with tracebacks, build logs, listings, source files, data dumps with counters
// and timestamps, the same file read twice. Deterministic (seeded). Used by the compression test and by
// bench/debugger-cleaner.ts (which makes it 1 GB).
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SyntheticTrialOptions {
  steps: number;
  /** Bytes of each data-dump output (written to tool-outputs/, truncated in the event). */
  dumpBytes: number;
  /** Every how many steps a data dump happens. */
  dumpEvery?: number;
  /** Varies the content (default 42). */
  seed?: number;
  /** Names and outcome written to result.json (default fix-pipeline, fix-pipeline__1, reward 0). */
  task?: string;
  trial?: string;
  reward?: number;
}

const TRUNCATE = { max: 20_000, head: 8_000, tail: 8_000 };

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS =
  'config parser module request handler cache index token buffer stream socket worker queue schema record value field option table column session client server path file'.split(
    ' ',
  );

function sourceFile(r: () => number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const w = () => WORDS[Math.floor(r() * WORDS.length)]!;
    const kind = i % 7;
    if (kind === 0) out.push(`def ${w()}_${w()}(${w()}, ${w()}=None):`);
    else if (kind === 1) out.push(`    """Return the ${w()} of the ${w()} for this ${w()}."""`);
    else if (kind === 2) out.push(`    ${w()} = ${w()}.get("${w()}", ${Math.floor(r() * 100)})`);
    else if (kind === 3) out.push(`    if ${w()} is None or ${w()} > ${Math.floor(r() * 50)}:`);
    else if (kind === 4) out.push(`        raise ValueError(f"bad ${w()}: {${w()}}")`);
    else if (kind === 5) out.push(`    return ${w()}.${w()}(${w()})`);
    else out.push('');
  }
  return out.join('\n');
}

function pipInstall(r: () => number): string {
  const pkgs = [
    'numpy',
    'pandas',
    'requests',
    'urllib3',
    'certifi',
    'idna',
    'charset-normalizer',
    'python-dateutil',
    'pytz',
    'six',
  ];
  let out = '';
  for (const p of pkgs) {
    const size = (1 + r() * 30).toFixed(1);
    out += `Collecting ${p}\n  Downloading ${p}-${Math.floor(r() * 3)}.${Math.floor(r() * 20)}.0-py3-none-any.whl (${size} MB)\n`;
    for (let k = 0; k <= 40; k++)
      out += `\r     \x1b[38;5;197m${'━'.repeat(k)}\x1b[0m${' '.repeat(40 - k)} ${((Number(size) * k) / 40).toFixed(1)}/${size} MB ${(r() * 9 + 1).toFixed(1)} MB/s eta 0:00:0${Math.floor(r() * 9)}`;
    out += '\n';
  }
  return `${out}Installing collected packages: ${pkgs.join(', ')}\nSuccessfully installed ${pkgs.map((p) => `${p}-1.0`).join(' ')}\n`;
}

function pytestRun(r: () => number, step: number): string {
  const tests = Array.from(
    { length: 40 },
    (_, i) => `tests/test_${WORDS[i % WORDS.length]}.py::test_${WORDS[(i * 7) % WORDS.length]}_${i}`,
  );
  const failing = tests[Math.floor(r() * tests.length)]!;
  const lines = [
    '============================= test session starts ==============================',
    'platform linux -- Python 3.12.3, pytest-8.4.1, pluggy-1.6.0',
    `collected ${tests.length} items`,
    '',
  ];
  for (const t of tests) lines.push(`${t} ${t === failing ? 'FAILED' : 'PASSED'}`);
  lines.push(
    '',
    '=================================== FAILURES ===================================',
    `_______________ ${failing.split('::')[1]} _______________`,
    '',
  );
  lines.push(
    ...sourceFile(r, 20)
      .split('\n')
      .map((l) => `    ${l}`),
  );
  lines.push(
    `>       assert result == expected`,
    `E       AssertionError: assert ${step} == ${step + 1}`,
    `E        +  where ${step} = compute()`,
    '',
    `tests/test_x.py:${40 + step}: AssertionError`,
  );
  lines.push(
    '=========================== short test summary info ============================',
    `FAILED ${failing} - AssertionError: assert ${step} == ${step + 1}`,
    `========================= 1 failed, ${tests.length - 1} passed in 0.${step % 10}3s =========================`,
  );
  return lines.join('\n');
}

function buildLog(r: () => number, step: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 120; i++) {
    const f = `src/${WORDS[Math.floor(r() * WORDS.length)]}_${i}.c`;
    lines.push(`gcc -O2 -Wall -Iinclude -c ${f} -o build/${i}.o`);
    if (r() < 0.08)
      lines.push(
        `${f}:${Math.floor(r() * 300)}:${Math.floor(r() * 40)}: warning: unused variable '${WORDS[i % WORDS.length]}' [-Wunused-variable]`,
      );
  }
  lines.push(
    `src/main_${step}.c:42:5: error: implicit declaration of function 'parse_config' [-Werror=implicit-function-declaration]`,
    'make: *** [Makefile:23: build/main.o] Error 1',
  );
  return lines.join('\n');
}

function listing(r: () => number): string {
  const lines = ['total 1337'];
  for (let i = 0; i < 40; i++)
    lines.push(
      `-rw-r--r-- 1 root root ${Math.floor(r() * 100000)
        .toString()
        .padStart(
          7,
        )} Jan ${1 + (i % 28)} 12:${(i % 60).toString().padStart(2, '0')} ${WORDS[i % WORDS.length]}_${i}.py`,
    );
  return lines.join('\n');
}

/** A data dump of about `bytes`: log lines with timestamps and counters, CSV rows, a stack trace in the middle. */
function* dumpChunks(r: () => number, bytes: number, step: number): Generator<string> {
  let written = 0;
  let i = 0;
  const half = bytes / 2;
  let tracebackDone = false;
  while (written < bytes) {
    let chunk = '';
    for (let k = 0; k < 500; k++, i++) {
      const kind = Math.floor(i / 2000) % 3;
      if (kind === 0)
        chunk += `2025-01-0${1 + (i % 9)}T12:${(i % 60).toString().padStart(2, '0')}:${(i % 59).toString().padStart(2, '0')}.${i % 1000}Z INFO worker-${i % 8} processed batch ${i} (${Math.floor(r() * 5000)} rows, ${(r() * 3).toFixed(3)}s)\n`;
      else if (kind === 1)
        chunk += `${i},${WORDS[i % WORDS.length]},${(r() * 1000).toFixed(2)},${Math.floor(r() * 1e6)},${WORDS[(i * 3) % WORDS.length]}_${i % 97}\n`;
      else
        chunk += `[${(i / 1000).toFixed(3)}] epoch ${Math.floor(i / 100)} step ${i % 100}/100 loss=${(1 / (1 + i / 1000)).toFixed(5)} lr=0.0003\n`;
    }
    if (!tracebackDone && written + chunk.length > half) {
      chunk += `Traceback (most recent call last):\n  File "/app/run_${step}.py", line 88, in <module>\n    main()\n  File "/app/run_${step}.py", line 71, in main\n    load(path)\nFileNotFoundError: [Errno 2] No such file or directory: '/data/part-${step}.csv'\n`;
      tracebackDone = true;
    }
    written += chunk.length;
    yield chunk;
  }
}

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

/** Writes the trial; returns the bytes written. */
export function writeSyntheticTrial(dir: string, options: SyntheticTrialOptions): number {
  const r = rng(options.seed ?? 42);
  const agentDir = join(dir, 'agent');
  mkdirSync(join(agentDir, 'tool-outputs'), { recursive: true });
  mkdirSync(join(dir, 'verifier'), { recursive: true });
  const fd = openSync(join(agentDir, 'events.jsonl'), 'w');
  let total = 0;
  const emit = (type: string, data: Record<string, unknown>) => {
    const line = json({
      v: 1,
      ts: new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + total).toISOString(),
      type,
      session_id: 'S1',
      ...data,
    });
    total += Buffer.byteLength(line);
    writeSync(fd, line);
  };
  const instruction =
    'Fix the data pipeline so that `make test` passes: the loader must read every partition under /data and the report must list the totals per region.';
  emit('session_start', {
    agent: { name: 'ahe', version: '0.1.0' },
    model: 'scripted:x',
    model_name: 'synthetic',
    instruction,
    system_prompt: 'You are a coding agent.',
    tools: [],
  });
  emit('user_message', { content: instruction });
  const file = sourceFile(r, 180);
  const dumpEvery = options.dumpEvery ?? 10;
  for (let step = 1; step <= options.steps; step++) {
    const kind =
      step % dumpEvery === 0 ? 'dump' : ['pip', 'pytest', 'build', 'ls', 'cat', 'cat', 'grep', 'pytest'][step % 8]!;
    const command = {
      pip: 'pip install -r requirements.txt',
      pytest: 'python -m pytest -q tests',
      build: 'make -j4',
      ls: 'ls -la src',
      cat: 'cat src/loader.py',
      grep: 'grep -rn "def load" src',
      dump: `python run_${step}.py --verbose`,
    }[kind]!;
    const thought = `Step ${step}: ${WORDS[step % WORDS.length]} looks wrong; I will run \`${command}\` to see what the ${WORDS[(step * 5) % WORDS.length]} does and compare it with the expected ${WORDS[(step * 11) % WORDS.length]}.`;
    const callId = `call_${step}_0`;
    emit('model_call', {
      step,
      message: {
        content: thought,
        tool_calls: [
          { id: callId, name: 'run_shell_command', arguments: { command }, raw_arguments: JSON.stringify({ command }) },
        ],
      },
      usage: { prompt_tokens: 4000 + step * 120, completion_tokens: 80, cached_tokens: 3000 },
      cost_usd: 0.001,
      finish_reason: 'tool_calls',
      duration_ms: 900 + (step % 7) * 100,
      model: 'synthetic',
    });
    const exitCode = kind === 'pytest' || kind === 'build' || kind === 'dump' ? 1 : 0;
    let output: string;
    let extra: Record<string, unknown> = {};
    if (kind === 'dump') {
      const full = join(agentDir, 'tool-outputs', `${callId}.txt`);
      const ofd = openSync(full, 'w');
      let head = '';
      let tail = '';
      let size = 0;
      for (const chunk of dumpChunks(r, options.dumpBytes, step)) {
        writeSync(ofd, chunk);
        size += chunk.length;
        if (head.length < TRUNCATE.head) head += chunk.slice(0, TRUNCATE.head - head.length);
        tail = (tail + chunk).slice(-TRUNCATE.tail);
      }
      writeSync(ofd, `[exit code: ${exitCode}]`);
      closeSync(ofd);
      total += size;
      output = `${head}\n\n[... ${size - TRUNCATE.head - TRUNCATE.tail} bytes of output truncated (kept the first ${TRUNCATE.head} and last ${TRUNCATE.tail} bytes of ${size}). The full output is saved as tool-outputs/${callId}.txt. ...]\n\n${tail}\n[exit code: ${exitCode}]`;
      extra = { dropped_bytes: size - TRUNCATE.head - TRUNCATE.tail, full_output_file: full };
    } else {
      const text = {
        pip: () => pipInstall(r),
        pytest: () => pytestRun(r, step),
        build: () => buildLog(r, step),
        ls: () => listing(r),
        cat: () => file,
        grep: () =>
          file
            .split('\n')
            .filter((l) => l.startsWith('def'))
            .map((l, i) => `src/loader.py:${i * 7 + 1}:${l}`)
            .join('\n'),
      }[kind]!();
      output = `${text.slice(0, TRUNCATE.max)}\n[exit code: ${exitCode}]`;
    }
    emit('tool_result', {
      step,
      call_id: callId,
      name: 'run_shell_command',
      output,
      is_error: exitCode !== 0,
      duration_ms: 300 + (step % 13) * 250,
      ...extra,
      metadata: { exit_code: exitCode, duration_ms: 250 + (step % 13) * 250, timed_out: false },
    });
    if (step % 97 === 0) emit('compaction', { step, tokens_before: 120000, tokens_after: 40000, messages_removed: 60 });
  }
  emit('model_call', {
    step: options.steps + 1,
    message: { content: 'I could not make the loader read the missing partition; the tests still fail.' },
    usage: { prompt_tokens: 9000, completion_tokens: 30, cached_tokens: 0 },
    cost_usd: 0.001,
    finish_reason: 'stop',
    duration_ms: 500,
    model: 'synthetic',
  });
  emit('session_end', {
    status: 'completed',
    final_message: 'I could not make the loader read the missing partition; the tests still fail.',
    steps: options.steps + 1,
    usage: { prompt_tokens: 1, completion_tokens: 1, cached_tokens: 0 },
    cost_usd: 0.5,
    duration_ms: 600000,
  });
  closeSync(fd);
  const verifierOut = pytestRun(r, 999);
  writeFileSync(join(dir, 'verifier', 'test-stdout.txt'), verifierOut);
  const reward = options.reward ?? 0;
  writeFileSync(join(dir, 'verifier', 'reward.txt'), `${reward}\n`);
  writeFileSync(
    join(dir, 'result.json'),
    JSON.stringify({
      task_name: options.task ?? 'fix-pipeline',
      trial_name: options.trial ?? 'fix-pipeline__1',
      agent_result: { n_input_tokens: 1, n_output_tokens: 1, n_cache_tokens: 0, cost_usd: 0.5 },
      verifier_result: { rewards: { reward } },
      exception_info: null,
      started_at: '2025-01-01T12:00:00Z',
      finished_at: '2025-01-01T12:10:00Z',
    }),
  );
  return total + verifierOut.length;
}
