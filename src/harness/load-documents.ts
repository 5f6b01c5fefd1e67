// The text components: skills/<name>/SKILL.md, subagents/<name>.yaml, memory/<name>.md.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './harness-error.ts';
import { listComponentFiles, listSkillFolders, selectComponents } from './list-harness-files.ts';
import { MCP_PREFIX, mcpToolProblem } from './mcp-selection.ts';
import { readHarnessText, readYamlFile } from './read-yaml.ts';
import { type ComponentSelection, type McpServerSpec, SkillFrontmatterSchema, SubagentSpecSchema } from './schemas.ts';
import type { MemoryEntry, Skill, SubagentConfig } from './types.ts';

function splitFrontmatter(text: string): { front: string; body: string } | undefined {
  const m = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  return m ? { front: m[1]!, body: m[2]! } : undefined;
}

export function loadSkills(dir: string, selection: ComponentSelection, problems: Diagnostic[]): Skill[] {
  const skills: Skill[] = [];
  for (const name of selectComponents(selection, 'skills', listSkillFolders(dir), problems)) {
    const file = `skills/${name}/SKILL.md`;
    if (!existsSync(join(dir, file))) {
      problems.push({ file, message: 'is missing: a skill folder needs a SKILL.md' });
      continue;
    }
    const text = readHarnessText(dir, file, problems);
    if (text === undefined) continue;
    const parts = splitFrontmatter(text);
    if (!parts) {
      problems.push({ file, line: 1, message: 'must start with YAML frontmatter: ---, name: …, description: …, ---' });
      continue;
    }
    const { value: front, source } = readYamlFile(dir, file, SkillFrontmatterSchema, problems, {
      text: parts.front,
      lineOffset: 1,
    });
    if (!front || !source) continue;
    if (front.name !== name)
      problems.push({
        file,
        field: 'name',
        ...source.locate(['name']),
        message: `'${front.name}' must equal the folder name '${name}'`,
      });
    else if (!parts.body.trim()) problems.push({ file, message: 'has no body after the frontmatter' });
    else skills.push({ name, description: front.description.trim(), body: parts.body, file });
  }
  return skills;
}

export function loadSubagents(
  dir: string,
  selection: ComponentSelection,
  toolNames: readonly string[],
  problems: Diagnostic[],
  /** The MCP servers the harness enables: a sub-agent may list their tools as mcp__<server>__<tool>. */
  mcpServers: readonly McpServerSpec[] = [],
): SubagentConfig[] {
  const out: SubagentConfig[] = [];
  for (const name of selectComponents(
    selection,
    'subagents',
    listComponentFiles(dir, 'subagents', '.yaml'),
    problems,
  )) {
    const file = `subagents/${name}.yaml`;
    const before = problems.length;
    const { value: spec, source } = readYamlFile(dir, file, SubagentSpecSchema, problems);
    if (!spec || !source) continue;
    if (spec.name !== name)
      problems.push({
        file,
        field: 'name',
        ...source.locate(['name']),
        message: `'${spec.name}' must equal the file name '${name}'`,
      });
    spec.tools.forEach((tool, i) => {
      const message = toolNames.includes(tool)
        ? undefined
        : tool.startsWith(MCP_PREFIX)
          ? mcpToolProblem(tool, mcpServers)
          : `unknown tool '${tool}' (harness tools: ${toolNames.join(', ') || 'none'})`;
      if (message) problems.push({ file, field: `tools.${i}`, ...source.locate(['tools', i]), message });
    });
    if (problems.length === before)
      out.push({
        name,
        description: spec.description.trim(),
        prompt: spec.prompt,
        tools: spec.tools,
        maxSteps: spec.max_steps,
        file,
      });
  }
  return out;
}

export function loadMemory(
  dir: string,
  selection: ComponentSelection,
  problems: Diagnostic[],
  warnings: Diagnostic[],
): MemoryEntry[] {
  const out: MemoryEntry[] = [];
  for (const name of selectComponents(selection, 'memory', listComponentFiles(dir, 'memory', '.md'), problems)) {
    const file = `memory/${name}.md`;
    const content = readHarnessText(dir, file, problems);
    if (content === undefined) continue;
    if (content.trim()) out.push({ name, content, file });
    else warnings.push({ file, message: 'is empty and was skipped' });
  }
  return out;
}
