// MCP servers as harness tools (harness.yaml `mcp_servers`, docs/harness.md "MCP servers"). At the start of
// an agent run each server is connected with the official SDK's Client — a stdio server is started inside the
// trial's sandbox (Sandbox.spawn) and spoken to over its stdin/stdout, a streamable-HTTP one is reached at its
// URL when the sandbox allows network — and its tools become ordinary LoadedTools named mcp__<server>__<tool>
// with the server's JSON schemas, so dispatch, validation, middleware, truncation and tracing treat them as
// file-defined tools. The SDK is imported only when a harness has servers. Servers are closed when the run ends.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MCP_PREFIX, mcpToolName } from '../harness/mcp-selection.ts';
import type { Harness, LoadedTool, McpServerConfig, ToolResult } from '../harness/types.ts';
import { shellQuote } from '../sandbox/shell-quote.ts';
import type { Sandbox, SandboxProcess } from '../sandbox/types.ts';
import { validateToolInput } from './validate-tool-input.ts';

/** How long a server may take to start and answer `initialize` and `tools/list`. */
const CONNECT_TIMEOUT_MS = 60_000;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A server that cannot be started, connected or listed: the run (and so the trial) fails with it. */
export class McpServerError extends Error {
  override name = 'McpServerError';
}

export interface McpServers {
  /** Every server's tools (after its allow-list), as mcp__<server>__<tool>. */
  tools: LoadedTool[];
  /** Closes every server (kills stdio servers); never throws. */
  close(): Promise<void>;
}

/** The SDK's Transport over a process started inside the sandbox: newline-delimited JSON-RPC on its stdio. */
class SandboxStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private closed = false;

  constructor(
    private readonly proc: SandboxProcess,
    private readonly stdio: typeof import('@modelcontextprotocol/sdk/shared/stdio.js'),
  ) {}

  async start(): Promise<void> {
    const buffer = new this.stdio.ReadBuffer();
    this.proc.stdout.on('data', (chunk: Buffer) => {
      buffer.append(chunk);
      for (;;) {
        try {
          const message = buffer.readMessage();
          if (!message) break;
          this.onmessage?.(message);
        } catch (error) {
          this.onerror?.(error as Error);
        }
      }
    });
    void this.proc.exited.then(() => {
      if (this.closed) return;
      this.closed = true;
      this.onclose?.();
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.stdin.write(this.stdio.serializeMessage(message))) resolve();
      else this.proc.stdin.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    this.proc.kill();
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}

function describe(server: McpServerConfig): string {
  return 'command' in server ? `command '${[server.command, ...server.args].join(' ')}'` : `url ${server.url}`;
}

/** What a tool call returned, as the text the model sees (non-text content is named, not inlined). */
export function mcpResultText(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? (result.content as Record<string, unknown>[]) : [];
  const parts = content.map((c) => {
    if (c.type === 'text') return String(c.text ?? '');
    if (c.type === 'image' || c.type === 'audio')
      return `[${c.type} ${String(c.mimeType)}, ${String(c.data ?? '').length} base64 chars]`;
    if (c.type === 'resource') {
      const r = (c.resource ?? {}) as Record<string, unknown>;
      return typeof r.text === 'string' ? r.text : `[resource ${String(r.uri)}]`;
    }
    if (c.type === 'resource_link') return `[resource link ${String(c.uri)}]`;
    return JSON.stringify(c);
  });
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

async function openTransport(
  server: McpServerConfig,
  sandbox: Sandbox,
): Promise<{ transport: Transport; proc?: SandboxProcess }> {
  if ('url' in server) {
    if (sandbox.network !== true)
      throw new McpServerError(
        `MCP server '${server.name}' (${describe(server)}): the task does not allow network access (${sandbox.kind} sandbox); use a stdio server (command:) instead`,
      );
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return { transport: new StreamableHTTPClientTransport(new URL(server.url)) };
  }
  if (!sandbox.spawn)
    throw new McpServerError(
      `MCP server '${server.name}': the ${sandbox.kind} sandbox cannot start long-lived processes, so stdio MCP servers cannot run there`,
    );
  const command = ['exec', shellQuote(server.command), ...server.args.map(shellQuote)].join(' ');
  const proc = sandbox.spawn(command, { env: server.env });
  const stdio = await import('@modelcontextprotocol/sdk/shared/stdio.js');
  return { transport: new SandboxStdioTransport(proc, stdio), proc };
}

/** Why a stdio server's process ended before it answered, from its exit code and stderr. */
function startFailure(server: McpServerConfig, sandbox: Sandbox, code: number | null, stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-5).join('\n');
  const what =
    code === 127
      ? `${describe(server)} is not found in the ${sandbox.kind} sandbox`
      : `${describe(server)} exited (code ${code}) in the ${sandbox.kind} sandbox before answering`;
  return `MCP server '${server.name}': ${what}${tail ? `: ${tail}` : ''}`;
}

async function connectOne(
  server: McpServerConfig,
  sandbox: Sandbox,
  clients: Client[],
  signal?: AbortSignal,
): Promise<LoadedTool[]> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { transport, proc } = await openTransport(server, sandbox);
  const client = new Client({ name: 'ahe', version: '1' });
  clients.push(client);
  // A stdio server that dies (command missing, crash) ends the wait at once with its own words.
  let died: string | undefined;
  const exited = proc?.exited.then((code) => {
    died = startFailure(server, sandbox, code, proc.stderrTail());
    throw new McpServerError(died);
  });
  exited?.catch(() => {});
  const listed = (async () => {
    await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS, ...(signal ? { signal } : {}) });
    const tools: Awaited<ReturnType<Client['listTools']>>['tools'] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: CONNECT_TIMEOUT_MS });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  })();
  let listing: Awaited<typeof listed>;
  try {
    listing = await (exited ? Promise.race([listed, exited]) : listed);
  } catch (error) {
    // The process may exit just after the failed request: give its exit a moment to explain.
    if (!died && proc) await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 500))]);
    if (died) throw new McpServerError(died);
    const message = error instanceof Error ? error.message : String(error);
    throw new McpServerError(`MCP server '${server.name}' (${describe(server)}) did not connect: ${message}`);
  }
  const offered = new Set(listing.map((t) => t.name));
  const unknown = (server.tools ?? []).filter((t) => !offered.has(t));
  if (unknown.length > 0)
    throw new McpServerError(
      `MCP server '${server.name}' has no tool ${unknown.map((t) => `'${t}'`).join(', ')} (harness.yaml mcp_servers tools:); it offers: ${[...offered].join(', ')}`,
    );
  const allowed = server.tools ? new Set(server.tools) : undefined;
  return listing
    .filter((t) => !allowed || allowed.has(t.name))
    .map((t): LoadedTool => {
      const name = mcpToolName(server.name, t.name);
      if (!TOOL_NAME.test(name))
        throw new McpServerError(
          `MCP server '${server.name}': tool '${t.name}' makes the name ${name}, longer than 64 characters`,
        );
      const { $schema: _ignored, ...inputSchema } = t.inputSchema as Record<string, unknown>;
      const definition = {
        name,
        description: (t.description ?? t.title ?? t.name).trim() || t.name,
        inputSchema: inputSchema as LoadedTool['definition']['inputSchema'],
      };
      try {
        // Compiles the schema with dispatch's own validator, so a call never meets a schema it cannot use.
        validateToolInput(definition, {});
      } catch (error) {
        throw new McpServerError(
          `MCP server '${server.name}': tool '${t.name}' has an input schema that cannot be used: ${(error as Error).message}`,
        );
      }
      return {
        definition,
        source: { mcp: server.name },
        run: async (args, ctx): Promise<ToolResult> => {
          const result = await client.callTool({ name: t.name, arguments: args }, undefined, {
            signal: ctx.signal,
            timeout: ctx.limits.commandTimeoutSec * 1000,
          });
          return {
            output: mcpResultText(result as Record<string, unknown>),
            isError: result.isError === true,
            metadata: { mcp_server: server.name, mcp_tool: t.name },
          };
        },
      };
    });
}

/**
 * Connects every server and lists its tools; throws McpServerError naming the server (and its command or
 * URL) when one cannot start, connect or list, after closing those already connected.
 */
export async function connectMcpServers(
  servers: readonly McpServerConfig[],
  sandbox: Sandbox,
  taken: readonly string[],
  signal?: AbortSignal,
): Promise<McpServers> {
  const clients: Client[] = [];
  const close = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  };
  try {
    const lists = await Promise.all(servers.map((s) => connectOne(s, sandbox, clients, signal)));
    const tools = lists.flat();
    const seen = new Set(taken);
    for (const t of tools) {
      if (seen.has(t.definition.name))
        throw new McpServerError(
          `MCP tool name ${t.definition.name} is used twice (two tools of one server differ only in characters other than letters, digits, _ and -, or a harness tool has that name)`,
        );
      seen.add(t.definition.name);
    }
    return { tools, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Runs `body` with the harness's MCP tools added to its tools (the harness as is when it has no servers),
 * and closes the servers when it returns or throws.
 */
export async function withMcpTools<T>(
  harness: Harness,
  sandbox: Sandbox,
  signal: AbortSignal | undefined,
  body: (harness: Harness) => Promise<T>,
): Promise<T> {
  if (!harness.mcpServers?.length) return body(harness);
  const taken = harness.tools.map((t) => t.definition.name);
  let servers: McpServers;
  try {
    servers = await connectMcpServers(harness.mcpServers, sandbox, taken, signal);
  } catch (error) {
    // Cancelled while connecting: the session sees the cancellation and ends as aborted or timeout.
    if (signal?.aborted) return body(harness);
    throw error;
  }
  try {
    // A sub-agent's MCP tools were checked against the servers' names and allow-lists when the harness
    // loaded (load-documents.ts); whether the server offers them is known only now.
    const offered = new Set(servers.tools.map((t) => t.definition.name));
    for (const subagent of harness.subagents)
      for (const tool of subagent.tools)
        if (tool.startsWith(MCP_PREFIX) && !offered.has(tool))
          throw new McpServerError(
            `${subagent.file} lists '${tool}', which no MCP server offers (MCP tools: ${[...offered].join(', ') || 'none'})`,
          );
    return await body({ ...harness, tools: [...harness.tools, ...servers.tools] });
  } finally {
    await servers.close();
  }
}
