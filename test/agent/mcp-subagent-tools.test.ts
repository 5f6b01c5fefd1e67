// A sub-agent may list MCP tools (mcp__<server>__<tool>) of the servers the harness enables: checked when the
// harness loads against the servers' names and tools: allow-lists (a problem on the sub-agent's line
// otherwise), and when the servers run against the tools they offer (McpServerError naming the file). The
// sub-agent then sees and calls exactly the MCP tools it lists, through the usual dispatch.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { McpServerError } from '../../src/agent/mcp-servers.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import { loadHarness, loadHarnessReport } from '../../src/harness/load-harness.ts';
import { createHostSandbox } from '../../src/sandbox/host-sandbox.ts';
import { MemoryTrace, QueueModel, roughTokens, toolCall } from '../support/agent-fixtures.ts';

const PROBE = resolve('test/fixtures/mcp/probe-server.mjs');
const TIMEOUT = { timeout: 120_000 };

/** A harness dir: the probe server (with an optional allow-list) and one sub-agent listing `tools`. */
function harnessDir(tools: string[], allow?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-mcp-subagent-'));
  writeFileSync(
    join(dir, 'harness.yaml'),
    `name: t\nmcp_servers:\n  - name: probe\n    command: node\n    args: [${JSON.stringify(PROBE)}]\n${allow ? `    tools: [${allow.join(', ')}]\n` : ''}`,
  );
  writeFileSync(join(dir, 'system_prompt.md'), 'You are a test agent.\n');
  mkdirSync(join(dir, 'subagents'));
  writeFileSync(
    join(dir, 'subagents', 'helper.yaml'),
    `name: helper\ndescription: Echoes.\nprompt: You echo.\ntools:\n${tools.map((t) => `  - ${t}`).join('\n')}\n`,
  );
  return dir;
}

test('a sub-agent listing MCP tools: checked against the enabled servers and their allow-lists at load', async () => {
  const dirs: string[] = [];
  const report = async (tools: string[], allow?: string[]) => {
    const dir = harnessDir(tools, allow);
    dirs.push(dir);
    return loadHarnessReport(dir);
  };
  try {
    const ok = await report(['mcp__probe__echo'], ['echo', 'add']);
    assert.deepEqual(ok.diagnostics, []);
    assert.deepEqual(
      ok.harness?.subagents.map((s) => s.tools),
      [['mcp__probe__echo']],
    );
    const outside = await report(['mcp__probe__big'], ['echo', 'add']);
    assert.deepEqual(
      outside.diagnostics.map((d) => [d.file, d.field, d.line, d.message]),
      [
        [
          'subagents/helper.yaml',
          'tools.0',
          5,
          "'mcp__probe__big' is not in MCP server 'probe''s tools: allow-list (echo, add)",
        ],
      ],
    );
    const unknown = await report(['mcp__nope__echo']);
    assert.match(
      unknown.diagnostics[0]?.message ?? '',
      /'mcp__nope__echo' names no MCP server the harness enables \(enabled: probe\)/,
    );
    // File tools are checked as before.
    assert.match((await report(['no_such_tool'])).diagnostics[0]?.message ?? '', /unknown tool 'no_such_tool'/);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test(
  'the sub-agent sees and calls the MCP tools it lists; one no server offers stops the run naming the file',
  TIMEOUT,
  async () => {
    const dir = harnessDir(['mcp__probe__echo']);
    const work = mkdtempSync(join(tmpdir(), 'ahe-mcp-subagent-work-'));
    const sandbox = createHostSandbox({ workdir: work });
    try {
      const harness = await loadHarness(dir);
      const model = new QueueModel([
        { toolCalls: [toolCall('agent', { subagent: 'helper', task: 'echo hi' })] },
        { toolCalls: [toolCall('mcp__probe__echo', { text: 'hi' })] },
        { content: 'the server said echo: hi' },
        { content: 'done' },
      ]);
      const trace = new MemoryTrace();
      const result = await runAgent({
        harness,
        model,
        instruction: 'delegate',
        sandbox,
        trace,
        countTokens: roughTokens,
      });
      assert.equal(result.status, 'completed', result.error);
      // The parent has every MCP tool; the sub-agent only the one it lists.
      const names = (i: number) => model.requests[i]!.tools.map((t) => t.name).sort();
      assert.ok(names(0).includes('mcp__probe__add') && names(0).includes('agent'), names(0).join(','));
      assert.deepEqual(names(1), ['mcp__probe__echo']);
      const echo = trace.events.find((e) => e.type === 'tool_result' && e.name === 'mcp__probe__echo');
      assert.equal(echo?.output, 'echo: hi');
      assert.equal(echo?.is_error, false);

      // A tool the server does not offer (no allow-list to check it against at load).
      writeFileSync(
        join(dir, 'subagents', 'helper.yaml'),
        'name: helper\ndescription: Echoes.\nprompt: You echo.\ntools: [mcp__probe__nothing]\n',
      );
      const missing = await loadHarness(dir);
      await assert.rejects(
        runAgent({
          harness: missing,
          model: new QueueModel([{ content: 'never asked' }]),
          instruction: 'delegate',
          sandbox,
          trace: new MemoryTrace(),
          countTokens: roughTokens,
        }),
        (error: Error) => {
          assert.ok(error instanceof McpServerError, String(error));
          assert.match(
            error.message,
            /^subagents\/helper\.yaml lists 'mcp__probe__nothing', which no MCP server offers \(MCP tools: mcp__probe__echo, /,
          );
          return true;
        },
      );
    } finally {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  },
);
