// Tools the runtime adds to a harness: `load_skill` (when it has skills) and `agent` (when it has sub-agents).
import type { Harness, LoadedTool, Skill, SubagentConfig, ToolResult } from '../harness/types.ts';

export function loadSkillTool(skills: readonly Skill[]): LoadedTool {
  const byName = new Map(skills.map((s) => [s.name, s]));
  return {
    definition: {
      name: 'load_skill',
      description: 'Load the full instructions of one of the skills listed in the system prompt.',
      inputSchema: {
        type: 'object',
        properties: { name: { type: 'string', enum: skills.map((s) => s.name), description: 'The skill to load.' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
    source: { builtin: true },
    run: async (args) => {
      const skill = byName.get(String(args.name));
      if (!skill) return { output: `no skill named '${String(args.name)}'`, isError: true };
      return { output: `# Skill: ${skill.name}\n\n${skill.body.trim()}\n` };
    },
  };
}

export type SubagentRunner = (config: SubagentConfig, task: string, callId: string) => Promise<ToolResult>;

export function agentTool(subagents: readonly SubagentConfig[], runSubagent: SubagentRunner): LoadedTool {
  const byName = new Map(subagents.map((s) => [s.name, s]));
  const list = subagents.map((s) => `- ${s.name}: ${s.description}`).join('\n');
  return {
    definition: {
      name: 'agent',
      description: `Delegate a self-contained task to a sub-agent, which works in the same environment and returns its final report.\nAvailable sub-agents:\n${list}`,
      inputSchema: {
        type: 'object',
        properties: {
          subagent: { type: 'string', enum: subagents.map((s) => s.name), description: 'Which sub-agent to run.' },
          task: { type: 'string', description: 'What the sub-agent should do and report back.' },
        },
        required: ['subagent', 'task'],
        additionalProperties: false,
      },
    },
    source: { builtin: true },
    run: async (args, ctx) => {
      const config = byName.get(String(args.subagent));
      if (!config) return { output: `no sub-agent named '${String(args.subagent)}'`, isError: true };
      return runSubagent(config, String(args.task), ctx.callId);
    },
  };
}

/** The harness's own tools plus the built-ins it needs, in a stable order. */
export function collectTools(
  harness: Pick<Harness, 'tools' | 'skills' | 'subagents'>,
  runSubagent?: SubagentRunner,
): LoadedTool[] {
  const tools = [...harness.tools];
  if (harness.skills.length > 0) tools.push(loadSkillTool(harness.skills));
  if (harness.subagents.length > 0 && runSubagent) tools.push(agentTool(harness.subagents, runSubagent));
  return tools;
}
