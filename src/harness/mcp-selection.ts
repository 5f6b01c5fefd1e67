// MCP servers belong to the `tools` component: `components.tools` may list `mcp__<server>` beside file tools.
// With `all` every declared server is enabled; with a list only the servers it names (as for file tools), so
// the evolve loop enables and disables MCP servers through the components: section it is allowed to edit.
import type { Diagnostic } from './harness-error.ts';
import type { ComponentSelection, McpServerSpec } from './schemas.ts';

export const MCP_PREFIX = 'mcp__';

/**
 * Splits the `components.tools` selection into the file tools' selection and the enabled MCP servers; an
 * `mcp__<name>` entry naming no declared server is a problem on harness.yaml; a declared server left out
 * of a list is a warning (it does nothing).
 */
export function selectMcpServers(
  selection: ComponentSelection,
  servers: readonly McpServerSpec[],
  problems: Diagnostic[],
  warnings: Diagnostic[],
): { fileSelection: ComponentSelection; servers: McpServerSpec[] } {
  if (selection === 'all') return { fileSelection: 'all', servers: [...servers] };
  const byName = new Map(servers.map((s) => [`${MCP_PREFIX}${s.name}`, s]));
  const enabled: McpServerSpec[] = [];
  selection.forEach((entry, i) => {
    if (!entry.startsWith(MCP_PREFIX)) return;
    const server = byName.get(entry);
    if (!server)
      problems.push({
        file: 'harness.yaml',
        field: `components.tools.${i}`,
        message: `lists '${entry}' but mcp_servers declares no server '${entry.slice(MCP_PREFIX.length)}'${servers.length ? ` (declared: ${servers.map((s) => s.name).join(', ')})` : ''}`,
      });
    else if (!enabled.includes(server)) enabled.push(server);
  });
  for (const s of servers)
    if (!enabled.includes(s))
      warnings.push({
        file: 'harness.yaml',
        field: 'mcp_servers',
        message: `declares '${s.name}' but components.tools does not list '${MCP_PREFIX}${s.name}': its tools are not enabled`,
      });
  return { fileSelection: selection.filter((e) => !e.startsWith(MCP_PREFIX)), servers: enabled };
}

/** The name an MCP server's tool takes in the harness: mcp__<server>__<tool>, the tool's other characters as `_`. */
export function mcpToolName(server: string, tool: string): string {
  return `${MCP_PREFIX}${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

/**
 * Why a sub-agent cannot list `name` as an MCP tool of the enabled servers, or undefined when it can: the
 * server must be one of them and, when it has a `tools:` allow-list, the tool in it. Tools a server offers
 * are only known once it runs: the runtime checks the rest (mcp-servers.ts).
 */
export function mcpToolProblem(name: string, servers: readonly McpServerSpec[]): string | undefined {
  const server = servers
    .filter((s) => name.startsWith(`${MCP_PREFIX}${s.name}__`) && name.length > `${MCP_PREFIX}${s.name}__`.length)
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!server)
    return `'${name}' names no MCP server the harness enables (${servers.length ? `enabled: ${servers.map((s) => s.name).join(', ')}` : 'none: declare it in mcp_servers and list mcp__<server> in components.tools'})`;
  if (server.tools && !server.tools.some((t) => mcpToolName(server.name, t) === name))
    return `'${name}' is not in MCP server '${server.name}''s tools: allow-list (${server.tools.join(', ')})`;
  return undefined;
}
