// Loads a harness directory into a typed Harness, collecting every problem before failing, each
// pinned to its file (and line or field). A broken component must never silently zero an evaluation.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ComponentLog } from './compile-component.ts';
import { harnessContentHash } from './content-hash.ts';
import { type Diagnostic, HarnessError } from './harness-error.ts';
import { listComponentFiles, listHarnessFiles, selectComponents } from './list-harness-files.ts';
import { loadMemory, loadSkills, loadSubagents } from './load-documents.ts';
import { loadMiddleware } from './load-middleware.ts';
import { loadTools } from './load-tools.ts';
import { selectMcpServers } from './mcp-selection.ts';
import { readHarnessText, readYamlFile, type YamlSource } from './read-yaml.ts';
import { ComponentsSchema, type HarnessManifest, HarnessManifestSchema } from './schemas.ts';
import type { Harness } from './types.ts';

export interface LoadOptions {
  /** Receives console output of component code (default: dropped), so the runtime can trace it. */
  onComponentLog?: ComponentLog;
}

export interface LoadReport {
  /** Set only when there are no diagnostics. */
  harness?: Harness;
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
  /** Relative paths of every file of the harness. */
  files: string[];
  /** The components that loaded, also when others did not (so every check can still run). */
  components: Pick<Harness, 'tools' | 'middleware' | 'skills' | 'subagents' | 'memory'>;
}

const NO_COMPONENTS: LoadReport['components'] = { tools: [], middleware: [], skills: [], subagents: [], memory: [] };

/** harness.yaml, or — when it is invalid — its defaults, so the other files are still checked. */
function readManifest(
  dir: string,
  problems: Diagnostic[],
): { manifest: HarnessManifest; valid: boolean; source?: YamlSource } {
  const { value, source } = readYamlFile(dir, 'harness.yaml', HarnessManifestSchema, problems);
  if (value) return { manifest: value, valid: true, source };
  // Keep the component selection when that part is fine: disabled files should stay unchecked.
  const raw = source?.value as { components?: unknown } | undefined;
  const components = ComponentsSchema.safeParse(raw?.components);
  return {
    manifest: HarnessManifestSchema.parse({
      name: 'invalid',
      components: components.success ? components.data : undefined,
    }),
    valid: false,
    source,
  };
}

function readSystemPrompt(dir: string, problems: Diagnostic[]): string {
  const file = join(dir, 'system_prompt.md');
  if (!existsSync(file)) {
    problems.push({ file: 'system_prompt.md', message: 'is missing: every harness needs a system prompt' });
    return '';
  }
  const text = readHarnessText(dir, 'system_prompt.md', problems);
  if (text === undefined) return '';
  if (!text.trim()) problems.push({ file: 'system_prompt.md', message: 'is empty' });
  return text;
}

function toHarness(
  dir: string,
  manifest: HarnessManifest,
  parts: Pick<Harness, 'systemPrompt' | 'tools' | 'middleware' | 'skills' | 'subagents' | 'memory'>,
  files: string[],
): Harness {
  const { model, limits, truncation, compaction } = manifest;
  return {
    dir,
    name: manifest.name,
    description: manifest.description,
    model: {
      temperature: model.temperature,
      maxOutputTokens: model.max_output_tokens,
      ...(model.reasoning_effort ? { reasoningEffort: model.reasoning_effort } : {}),
      contextBudgetTokens: model.context_budget_tokens,
    },
    limits: {
      maxSteps: limits.max_steps,
      maxWallSec: limits.max_wall_sec,
      maxTotalTokens: limits.max_total_tokens,
      commandTimeoutSec: limits.command_timeout_sec,
      ...(limits.max_parallel_subagents ? { maxParallelSubagents: limits.max_parallel_subagents } : {}),
    },
    truncation: {
      maxOutputBytes: truncation.max_output_bytes,
      headBytes: truncation.head_bytes,
      tailBytes: truncation.tail_bytes,
    },
    ...(compaction
      ? {
          compaction: {
            strategy: compaction.strategy,
            keepLastTurns: compaction.keep_last_turns,
            summaryMaxTokens: compaction.summary_max_tokens,
          },
        }
      : {}),
    ...(manifest.mcp_servers.length > 0 ? { mcpServers: manifest.mcp_servers } : {}),
    ...parts,
    contentHash: harnessContentHash(dir, files),
  };
}

/** Loads a harness and reports every problem of every file; never throws for a broken harness. */
export async function loadHarnessReport(dirArg: string, options: LoadOptions = {}): Promise<LoadReport> {
  const dir = resolve(dirArg);
  const warnings: Diagnostic[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return {
      diagnostics: [{ file: dir, message: 'is not a directory' }],
      warnings,
      files: [],
      components: NO_COMPONENTS,
    };
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    return {
      diagnostics: [{ file: dir, message: 'cannot be read (permission denied)' }],
      warnings,
      files: [],
      components: NO_COMPONENTS,
    };
  }
  if (!existsSync(join(dir, 'harness.yaml'))) {
    const diagnostics = [
      { file: 'harness.yaml', message: `is missing in ${dir} (start from the seed: ahe harness init DIR)` },
    ];
    return { diagnostics, warnings, files: [], components: NO_COMPONENTS };
  }
  const problems: Diagnostic[] = [];
  const { manifest, valid, source: manifestSource } = readManifest(dir, problems);
  const systemPrompt = readSystemPrompt(dir, problems);
  // MCP servers are part of the tools component: `mcp__<server>` entries of components.tools select them.
  const mcp = selectMcpServers(manifest.components.tools, manifest.mcp_servers, problems, warnings);
  const selected = { ...manifest.components, tools: mcp.fileSelection };
  const toolNames = selectComponents(selected.tools, 'tools', listComponentFiles(dir, 'tools', '.yaml'), []);
  // Concurrent, each into its own list, so the report's order does not depend on timing.
  const toolProblems: Diagnostic[] = [];
  const middlewareProblems: Diagnostic[] = [];
  const middlewareWarnings: Diagnostic[] = [];
  const [tools, middleware] = await Promise.all([
    loadTools(dir, selected.tools, toolProblems, options.onComponentLog),
    loadMiddleware(dir, selected.middleware, middlewareProblems, middlewareWarnings, options.onComponentLog),
  ]);
  problems.push(...toolProblems, ...middlewareProblems);
  warnings.push(...middlewareWarnings);
  const skills = loadSkills(dir, selected.skills, problems);
  const subagents = loadSubagents(dir, selected.subagents, toolNames, problems, mcp.servers);
  const memory = loadMemory(dir, selected.memory, problems, warnings);
  // Component lists are checked where the components are loaded; point those problems at their line.
  for (const [i, d] of problems.entries()) {
    if (d.file === 'harness.yaml' && d.field && d.line === undefined && manifestSource)
      problems[i] = { ...d, ...manifestSource.locate(d.field.split('.')) };
  }
  const files = listHarnessFiles(dir);
  const components = { tools, middleware, skills, subagents, memory };
  if (problems.length > 0 || !valid) return { diagnostics: problems, warnings, files, components };
  return {
    harness: toHarness(dir, { ...manifest, mcp_servers: mcp.servers }, { systemPrompt, ...components }, files),
    diagnostics: [],
    warnings,
    files,
    components,
  };
}

/** Loads a harness or throws a HarnessError listing every problem as `file:line:col: message`. */
export async function loadHarness(dir: string, options: LoadOptions = {}): Promise<Harness> {
  const report = await loadHarnessReport(dir, options);
  if (!report.harness) throw new HarnessError(resolve(dir), report.diagnostics);
  return report.harness;
}
