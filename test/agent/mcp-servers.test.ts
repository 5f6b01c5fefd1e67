// MCP servers as harness tools (harness.yaml mcp_servers): a scripted agent run against a small SDK-built server
// of our own (test/fixtures/mcp/probe-server.mjs) and against the real @modelcontextprotocol/server-filesystem
// package (on the host, and bundled into one file inside bwrap). Tools appear as mcp__<server>__<tool> with the
// server's schemas, go through validation, middleware, truncation and tracing, the allow-list holds, a missing command fails naming the server and the command, the
// server ends with the run, and inside the bwrap sandbox the server sees the sandbox, not the host.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { McpServerError } from '../../src/agent/mcp-servers.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import { loadHarness, loadHarnessReport } from '../../src/harness/load-harness.ts';
import type { Harness, McpServerConfig, ToolCallRequest } from '../../src/harness/types.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { createHostSandbox } from '../../src/sandbox/host-sandbox.ts';
import type { Sandbox } from '../../src/sandbox/types.ts';
import {
  MemoryTrace,
  makeHarness,
  middleware,
  QueueModel,
  RecordingSandbox,
  type Reply,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';

const PROBE = resolve('test/fixtures/mcp/probe-server.mjs');
const FILESYSTEM_SERVER = resolve('node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const TIMEOUT = { timeout: 120_000 };

function probe(extra: Partial<Extract<McpServerConfig, { command: string }>> = {}): McpServerConfig {
  return { name: 'probe', command: 'node', args: [PROBE], env: { PROBE_VALUE: 'from-yaml' }, ...extra };
}

async function run(harness: Harness, sandbox: Sandbox, replies: Reply[]) {
  const model = new QueueModel(replies);
  const trace = new MemoryTrace();
  const result = await runAgent({
    harness,
    model,
    instruction: 'use the MCP tools',
    sandbox,
    trace,
    countTokens: roughTokens,
  });
  const results = new Map(trace.ofType('tool_result').map((e) => [String(e.name), e]));
  return { model, trace, result, results };
}

function withHostSandbox<T>(body: (sandbox: Sandbox, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-mcp-'));
  const sandbox = createHostSandbox({ workdir: dir });
  return body(sandbox, dir).finally(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test(
  'MCP tools are listed as mcp__<server>__<tool>, called through validation, middleware, truncation and the trace',
  TIMEOUT,
  () =>
    withHostSandbox(async (sandbox, dir) => {
      const seen: ToolCallRequest[] = [];
      const harness = makeHarness({
        mcpServers: [probe()],
        middleware: [middleware('spy', { beforeTool: (call) => void seen.push(call) })],
      });
      const { model, result, results } = await run(harness, sandbox, [
        {
          toolCalls: [
            toolCall('mcp__probe__echo', { text: 'hi' }),
            toolCall('mcp__probe__add', { a: 2, b: 3 }),
            toolCall('mcp__probe__fail', {}),
            toolCall('mcp__probe__big', { n: 5000 }),
            toolCall('mcp__probe__env', {}),
          ],
        },
        { toolCalls: [toolCall('mcp__probe__add', { a: 'two', b: 3 })] },
        { content: 'done' },
      ]);
      assert.equal(result.status, 'completed', result.error);
      const names = (model.requests[0]!.tools ?? []).map((t) => t.name);
      for (const t of ['echo', 'add', 'fail', 'big', 'read_file', 'env'])
        assert.ok(names.includes(`mcp__probe__${t}`), t);
      assert.ok(names.includes('echo'), 'the harness’s own tools stay');
      // The server's JSON schema, as the model sees it.
      const add = model.requests[0]!.tools!.find((t) => t.name === 'mcp__probe__add')!;
      assert.deepEqual((add.inputSchema as { required?: string[] }).required, ['a', 'b']);
      assert.equal((add.inputSchema as Record<string, unknown>).$schema, undefined);

      assert.equal(results.get('mcp__probe__echo')!.output, 'echo: hi');
      assert.deepEqual(results.get('mcp__probe__echo')!.metadata, { mcp_server: 'probe', mcp_tool: 'echo' });
      assert.equal(results.get('mcp__probe__fail')!.is_error, true);
      assert.match(String(results.get('mcp__probe__fail')!.output), /failed on purpose/);
      // Truncated like any tool's output (harness truncation: 2000 bytes).
      assert.ok(Number(results.get('mcp__probe__big')!.dropped_bytes) > 0);
      assert.ok(String(results.get('mcp__probe__big')!.output).length < 3000);
      const env = String(results.get('mcp__probe__env')!.output);
      assert.match(env, /PROBE_VALUE=from-yaml/);
      assert.ok(env.includes(`cwd=${sandbox.workdir}`), env);
      // Validated against the server's schema before the server is asked (the second reply's add).
      const invalid = model.requests[2]!.messages.filter((m) => m.role === 'tool').at(-1)!;
      assert.match(invalid.content, /invalid arguments for tool 'mcp__probe__add'/);
      // Every call went through the middleware chain.
      assert.deepEqual(
        seen.map((c) => c.name),
        [
          'mcp__probe__echo',
          'mcp__probe__add',
          'mcp__probe__fail',
          'mcp__probe__big',
          'mcp__probe__env',
          'mcp__probe__add',
        ],
      );
      // The server is gone once the run is over.
      const pid = Number(/pid=(\d+)/.exec(env)![1]);
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(alive(pid), false, 'the MCP server still runs after the session');
      assert.ok(dir);
    }),
);

test('the tools: allow-list exposes only the listed tools; a name the server lacks is an error', TIMEOUT, () =>
  withHostSandbox(async (sandbox) => {
    const { model, result, results } = await run(makeHarness({ mcpServers: [probe({ tools: ['echo'] })] }), sandbox, [
      { toolCalls: [toolCall('mcp__probe__add', { a: 1, b: 2 })] },
      { content: 'done' },
    ]);
    assert.equal(result.status, 'completed');
    const names = (model.requests[0]!.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('mcp__'));
    assert.deepEqual(names, ['mcp__probe__echo']);
    assert.match(String(results.get('mcp__probe__add')!.output), /unknown tool 'mcp__probe__add'/);

    await assert.rejects(
      run(makeHarness({ mcpServers: [probe({ tools: ['echo', 'nope'] })] }), sandbox, [{ content: 'x' }]),
      (e: Error) => e instanceof McpServerError && /'probe' has no tool 'nope'/.test(e.message),
    );
  }),
);

test('a server whose command is missing fails the run with an error naming the server and the command', TIMEOUT, () =>
  withHostSandbox(async (sandbox) => {
    const harness = makeHarness({
      mcpServers: [{ name: 'ghost', command: 'no-such-mcp-server-7f3a', args: ['--stdio'], env: {} }],
    });
    await assert.rejects(run(harness, sandbox, [{ content: 'x' }]), (e: Error) => {
      assert.ok(e instanceof McpServerError, String(e));
      assert.match(
        e.message,
        /MCP server 'ghost': command 'no-such-mcp-server-7f3a --stdio' is not found in the host sandbox/,
      );
      return true;
    });
  }),
);

test(
  'a URL server where the sandbox does not allow network is refused; a sandbox without spawn is named',
  TIMEOUT,
  async () => {
    const url = makeHarness({ mcpServers: [{ name: 'remote', url: 'http://127.0.0.1:9/mcp' }] });
    await assert.rejects(
      run(url, new RecordingSandbox(), [{ content: 'x' }]),
      /MCP server 'remote' \(url http:\/\/127\.0\.0\.1:9\/mcp\): the task does not allow network access/,
    );
    await assert.rejects(
      run(makeHarness({ mcpServers: [probe()] }), new RecordingSandbox(), [{ content: 'x' }]),
      /MCP server 'probe': the \w+ sandbox cannot start long-lived processes/,
    );
  },
);

test('harness.yaml mcp_servers: loaded with defaults; a bad entry or a duplicate name is an error on harness.yaml', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-mcp-harness-'));
  try {
    writeFileSync(join(dir, 'system_prompt.md'), 'You are a test agent.\n');
    writeFileSync(
      join(dir, 'harness.yaml'),
      'name: t\nmcp_servers:\n  - name: fs\n    command: npx\n    args: [server, /app]\n    tools: [read_file]\n  - name: web\n    url: https://example.com/mcp\n',
    );
    const harness = await loadHarness(dir);
    assert.deepEqual(harness.mcpServers, [
      { name: 'fs', command: 'npx', args: ['server', '/app'], env: {}, tools: ['read_file'] },
      { name: 'web', url: 'https://example.com/mcp' },
    ]);
    // Part of the tools component: components.tools lists mcp__<server> to enable a server.
    const two = 'name: t\nmcp_servers:\n  - {name: fs, command: x}\n  - {name: web, command: y}\n';
    const only = await loadHarnessReport(dir);
    assert.equal(only.warnings.length, 0);
    writeFileSync(join(dir, 'harness.yaml'), `${two}components:\n  tools: [mcp__web]\n`);
    const web = await loadHarnessReport(dir);
    assert.deepEqual(
      web.harness?.mcpServers?.map((s) => s.name),
      ['web'],
    );
    assert.ok(web.warnings.some((w) => /'fs' but components.tools does not list 'mcp__fs'/.test(w.message)));
    writeFileSync(join(dir, 'harness.yaml'), `${two}components:\n  tools: [mcp__nope]\n`);
    const nope = await loadHarnessReport(dir);
    assert.ok(
      nope.diagnostics.some(
        (d) =>
          d.field === 'components.tools.0' && d.line === 6 && /no server 'nope' \(declared: fs, web\)/.test(d.message),
      ),
      JSON.stringify(nope.diagnostics),
    );
    writeFileSync(join(dir, 'harness.yaml'), `${two}components:\n  tools: []\n`);
    assert.equal((await loadHarnessReport(dir)).harness?.mcpServers, undefined);
    writeFileSync(join(dir, 'harness.yaml'), 'name: t\nmcp_servers:\n  - name: fs\n    comand: npx\n');
    const bad = await loadHarnessReport(dir);
    assert.ok(
      bad.diagnostics.some((d) => d.file === 'harness.yaml' && /mcp_servers/.test(`${d.field} ${d.message}`)),
      JSON.stringify(bad.diagnostics),
    );
    writeFileSync(
      join(dir, 'harness.yaml'),
      'name: t\nmcp_servers:\n  - {name: a, command: x}\n  - {name: a, command: y}\n',
    );
    const dup = await loadHarnessReport(dir);
    assert.ok(
      dup.diagnostics.some((d) => /same name/.test(d.message)),
      JSON.stringify(dup.diagnostics),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real MCP server package (@modelcontextprotocol/server-filesystem) serves its tools to the agent', TIMEOUT, () =>
  withHostSandbox(async (sandbox, dir) => {
    const allowed = join(dir, 'data');
    mkdirSync(allowed);
    writeFileSync(join(allowed, 'note.txt'), 'hello from the filesystem server\n');
    const harness = makeHarness({
      mcpServers: [
        {
          name: 'fs',
          command: 'node',
          args: [FILESYSTEM_SERVER, allowed],
          env: {},
          tools: ['read_text_file', 'list_directory'],
        },
      ],
    });
    const { model, result, results } = await run(harness, sandbox, [
      {
        toolCalls: [
          toolCall('mcp__fs__list_directory', { path: allowed }),
          toolCall('mcp__fs__read_text_file', { path: join(allowed, 'note.txt') }),
        ],
      },
      { content: 'done' },
    ]);
    assert.equal(result.status, 'completed', result.error);
    const names = (model.requests[0]!.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('mcp__'));
    assert.deepEqual(names.sort(), ['mcp__fs__list_directory', 'mcp__fs__read_text_file']);
    assert.match(String(results.get('mcp__fs__list_directory')!.output), /note\.txt/);
    assert.equal(results.get('mcp__fs__read_text_file')!.output, 'hello from the filesystem server\n');
  }),
);

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

test('inside the bwrap sandbox the server sees /app and not the host; a command missing there is named', {
  skip,
  ...TIMEOUT,
}, async () => {
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-mcp-bwrap-'));
  let sandbox: Sandbox | undefined;
  try {
    // The server is one bundled file uploaded into the sandbox: the host's node_modules are not visible there.
    const bundle = join(trialDir, 'probe-server.mjs');
    await build({
      entryPoints: [PROBE],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    sandbox = await createBwrapSandbox({ trialDir });
    await sandbox.upload(bundle, '/tmp/probe-server.mjs');
    await sandbox.writeFile('/app/inside.txt', 'inside the sandbox\n');
    const hostFile = resolve('package.json');
    assert.ok(readFileSync(hostFile, 'utf8').length > 0);
    const harness = makeHarness({
      mcpServers: [{ name: 'probe', command: 'node', args: ['/tmp/probe-server.mjs'], env: { PROBE_VALUE: 'b' } }],
    });
    const { result, trace } = await run(harness, sandbox, [
      {
        toolCalls: [
          toolCall('mcp__probe__read_file', { path: '/app/inside.txt' }),
          toolCall('mcp__probe__read_file', { path: hostFile }),
          toolCall('mcp__probe__env', {}),
        ],
      },
      { content: 'done' },
    ]);
    assert.equal(result.status, 'completed', result.error);
    const [inside, host, env] = trace.ofType('tool_result');
    assert.equal(inside!.output, 'inside the sandbox\n');
    assert.equal(host!.is_error, true);
    assert.match(String(host!.output), new RegExp(`cannot read ${hostFile}: ENOENT`));
    assert.match(String(env!.output), /PROBE_VALUE=b cwd=\/app /);

    // The real filesystem server package, bundled into one file, serving the sandbox's /app.
    const fsBundle = join(trialDir, 'fs-server.mjs');
    await build({
      entryPoints: [FILESYSTEM_SERVER],
      outfile: fsBundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'error',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    await sandbox.upload(fsBundle, '/tmp/fs-server.mjs');
    const fs = makeHarness({
      mcpServers: [
        { name: 'fs', command: 'node', args: ['/tmp/fs-server.mjs', '/app'], env: {}, tools: ['read_text_file'] },
      ],
    });
    const real = await run(fs, sandbox, [
      {
        toolCalls: [
          toolCall('mcp__fs__read_text_file', { path: '/app/inside.txt' }),
          toolCall('mcp__fs__read_text_file', { path: hostFile }),
        ],
      },
      { content: 'done' },
    ]);
    assert.equal(real.result.status, 'completed', real.result.error);
    const [fsInside, fsHost] = real.trace.ofType('tool_result');
    assert.equal(fsInside!.output, 'inside the sandbox\n');
    assert.equal(fsHost!.is_error, true, String(fsHost!.output));

    const missing = makeHarness({
      mcpServers: [{ name: 'ghost', command: 'no-such-mcp-server-7f3a', args: [], env: {} }],
    });
    await assert.rejects(
      run(missing, sandbox, [{ content: 'x' }]),
      /MCP server 'ghost': command 'no-such-mcp-server-7f3a' is not found in the bwrap sandbox/,
    );
  } finally {
    await sandbox?.close();
    rmSync(trialDir, { recursive: true, force: true });
  }
});

test('a streamable-HTTP server at a URL serves its tools where the sandbox allows network', TIMEOUT, async () => {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { z } = await import('zod');
  // Stateless: a fresh server and transport for each request, as the SDK's examples do.
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const server = new McpServer({ name: 'remote', version: '1.0.0' });
    server.registerTool(
      'shout',
      { description: 'Upper-case text.', inputSchema: { text: z.string() } },
      async ({ text }) => ({
        content: [{ type: 'text', text: text.toUpperCase() }],
      }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const { port } = http.address() as AddressInfo;
  try {
    await withHostSandbox(async (sandbox) => {
      const harness = makeHarness({ mcpServers: [{ name: 'remote', url: `http://127.0.0.1:${port}/mcp` }] });
      const { result, results, model } = await run(harness, sandbox, [
        { toolCalls: [toolCall('mcp__remote__shout', { text: 'quiet' })] },
        { content: 'done' },
      ]);
      assert.equal(result.status, 'completed', result.error);
      assert.ok((model.requests[0]!.tools ?? []).some((t) => t.name === 'mcp__remote__shout'));
      assert.equal(results.get('mcp__remote__shout')!.output, 'QUIET');
    });
  } finally {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  }
});

test('a run cancelled while its servers connect ends as aborted, not with an MCP error', TIMEOUT, () =>
  withHostSandbox(async (sandbox) => {
    const controller = new AbortController();
    controller.abort();
    const result = await runAgent({
      harness: makeHarness({ mcpServers: [probe()] }),
      model: new QueueModel([{ content: 'never asked' }]),
      instruction: 'x',
      sandbox,
      trace: new MemoryTrace(),
      countTokens: roughTokens,
      signal: controller.signal,
    });
    assert.equal(result.status, 'aborted');
  }),
);
