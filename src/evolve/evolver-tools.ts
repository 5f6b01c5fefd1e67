// The evolve agent's tools. They run on the host, act on the run's harness workspace, and enforce in
// code what the agent may do: only harness component files are listed, read or written (the edit
// policy), nothing is committed that does not validate or that leaks task-specific content, and the
// manifest is validated against the commits of this iteration. Every refusal tells the agent why.
// Beside the file tools: read_guide (component-guide.ts), read_trace (read-trace.ts, training tasks
// only), try_component and render_context (try-component.ts) — all read-only towards the run.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { LoadedTool, ToolResult } from '../harness/types.ts';
import { componentGuide, GUIDE_COMPONENTS, guideComponentOf } from './component-guide.ts';
import { type ReadTraceRequest, type ReadTraceScope, readTrace } from './read-trace.ts';
import { renderContext, type TryComponentRequest, tryComponent } from './try-component.ts';

export interface CommittedChange {
  id: string;
  sha: string;
  files: string[];
}

/** One commit_change call that had edits to commit, and how it ended (for the per-type outcome of the run summary). */
export interface CommitAttempt {
  id: string;
  files: string[];
  outcome: 'invalid' | 'leak' | 'committed';
}

export interface EvolverToolDeps {
  /** The harness working tree (RUN/harness). */
  harnessDir: string;
  /** Why a harness-relative path may not be read or written, or undefined when it may. */
  checkPath(rel: string): string | undefined;
  /** Why a new content of a file is refused (harness.yaml outside `components`, the seed prompt removed…). */
  checkContent(rel: string, before: string | null, after: string): string | undefined;
  evidenceSections(): string[];
  readEvidence(section: string): Promise<string>;
  /** Where read_trace looks: the training job of this iteration; absent: no read_trace tool. */
  traceScope?: ReadTraceScope;
  /** `ahe harness validate` on the working tree. */
  validate(): Promise<{ ok: boolean; text: string }>;
  /** Files changed since the last commit, harness-relative. */
  uncommittedFiles(): Promise<string[]>;
  /** Leak findings on the uncommitted changes, as text; undefined when clean. */
  auditUncommitted(): Promise<string | undefined>;
  commit(id: string, message: string): Promise<CommittedChange>;
  /** Told of every commit_change call that had edits: refused as invalid, refused as leaking, or committed. */
  onCommitAttempt?(attempt: CommitAttempt): void;
  /** Validates and stores the manifest; returns the problems, empty when accepted. */
  writeManifest(value: unknown, committed: readonly CommittedChange[]): Promise<string[]>;
}

const MAX_READ = 60_000;

function tool(
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required: string[],
  run: (args: Record<string, unknown>) => Promise<ToolResult | string>,
): LoadedTool {
  return {
    definition: {
      name,
      description,
      inputSchema: { type: 'object', properties, required, additionalProperties: false },
    },
    source: { builtin: true },
    run: async (args) => run(args),
  };
}

const refuse = (output: string): ToolResult => ({ output, isError: true });

function listHarness(dir: string, sub = ''): string[] {
  const here = join(dir, sub);
  if (!existsSync(here)) return [];
  return readdirSync(here)
    .filter((n) => n !== '.git')
    .sort()
    .flatMap((name) => {
      const rel = sub ? `${sub}/${name}` : name;
      return statSync(join(dir, rel)).isDirectory() ? listHarness(dir, rel) : [rel];
    });
}

export interface EvolverTools {
  tools: LoadedTool[];
  /** Changes committed during this session, in order. */
  committed: CommittedChange[];
  /** Whether write_manifest accepted a manifest. */
  manifestAccepted(): boolean;
}

export function createEvolverTools(deps: EvolverToolDeps): EvolverTools {
  const committed: CommittedChange[] = [];
  let accepted = false;
  const path = (args: Record<string, unknown>) => String(args.path ?? '').replace(/^\.\//, '');

  const write = (rel: string, after: string): ToolResult => {
    const refused = deps.checkPath(rel);
    if (refused) return refuse(`refused: ${refused}`);
    const file = join(deps.harnessDir, rel);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
    const bad = deps.checkContent(rel, before, after);
    if (bad) return refuse(`refused: ${bad}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, after);
    return {
      output: `${before === null ? 'created' : 'wrote'} ${rel} (${Buffer.byteLength(after)} bytes). Run validate, then commit_change.`,
    };
  };

  const tools: LoadedTool[] = [
    tool(
      'read_evidence',
      `Read one section of this iteration's evidence. Sections: ${deps.evidenceSections().join(', ')} (task_detail:<task> for one task's debugger detail).`,
      { section: { type: 'string', description: 'The section name.' } },
      ['section'],
      async (args) => {
        try {
          return await deps.readEvidence(String(args.section));
        } catch (error) {
          return refuse((error as Error).message);
        }
      },
    ),
    tool(
      'read_guide',
      `How one component type must look, generated from ahe's own code: file layout, the schema the validator applies, the runtime API code components get (hooks, ctx, what the sandbox refuses) and a complete example that validates. Components: ${GUIDE_COMPONENTS.join(', ')}. Read it before writing a component of a type you have not written yet.`,
      { component: { type: 'string', description: `One of: ${GUIDE_COMPONENTS.join(', ')}.` } },
      ['component'],
      async (args) => {
        const component = guideComponentOf(String(args.component ?? ''));
        if (!component)
          return refuse(`unknown component '${String(args.component)}'; one of: ${GUIDE_COMPONENTS.join(', ')}`);
        return componentGuide(component);
      },
    ),
    ...(deps.traceScope
      ? [
          tool(
            'read_trace',
            'Raw evidence from this iteration\'s training traces, as `ahe debug show` drills down: a task\'s attempts with outcome and failure signatures; with trial (1-based attempt index or name) that trial\'s digest; with steps ("12" or "10-14") those steps; raw: true for exactly what the trace holds (full outputs). Training tasks only.',
            {
              task: { type: 'string', description: 'A training task name.' },
              trial: { type: 'string', description: 'Attempt index (1, 2, …) or trial name.' },
              steps: { type: 'string', description: 'One step or a range, e.g. "10-14" (at most 20).' },
              raw: { type: 'boolean', description: 'Exact trace content instead of the cleaned digest.' },
            },
            ['task'],
            async (args) => {
              const r = await readTrace(deps.traceScope!, args as unknown as ReadTraceRequest);
              return r.ok ? r.text : refuse(r.text);
            },
          ),
        ]
      : []),
    tool('list_files', 'List the harness files you may read and edit.', {}, [], async () => {
      const files = listHarness(deps.harnessDir).filter((f) => !deps.checkPath(f) || f === 'harness.yaml');
      return files.join('\n') || '(empty harness)';
    }),
    tool(
      'read_file',
      'Read a harness file (path relative to the harness directory).',
      { path: { type: 'string' } },
      ['path'],
      async (args) => {
        const rel = path(args);
        const refused = rel === 'harness.yaml' ? undefined : deps.checkPath(rel);
        if (refused) return refuse(`refused: ${refused}`);
        const file = join(deps.harnessDir, rel);
        if (!existsSync(file) || !statSync(file).isFile())
          return refuse(`${rel} does not exist; list_files shows what does`);
        const text = readFileSync(file, 'utf8');
        return text.length > MAX_READ
          ? `${text.slice(0, MAX_READ)}\n[… ${text.length - MAX_READ} more characters]`
          : text;
      },
    ),
    tool(
      'write_file',
      'Create or replace a harness component file with the given content.',
      { path: { type: 'string' }, content: { type: 'string' } },
      ['path', 'content'],
      async (args) => write(path(args), String(args.content ?? '')),
    ),
    tool(
      'edit_file',
      'Replace one exact occurrence of old_text by new_text in a harness file.',
      { path: { type: 'string' }, old_text: { type: 'string' }, new_text: { type: 'string' } },
      ['path', 'old_text', 'new_text'],
      async (args) => {
        const rel = path(args);
        const file = join(deps.harnessDir, rel);
        if (!existsSync(file)) return refuse(`${rel} does not exist; use write_file to create it`);
        const before = readFileSync(file, 'utf8');
        const old = String(args.old_text);
        const count = old ? before.split(old).length - 1 : 0;
        if (count !== 1) return refuse(`old_text must occur exactly once in ${rel}; it occurs ${count} times`);
        return write(rel, before.replace(old, String(args.new_text)));
      },
    ),
    tool(
      'validate',
      'Check the harness as it is now (ahe harness validate): every component loads, tools match their schemas.',
      {},
      [],
      async () => {
        const r = await deps.validate();
        return r.ok ? r.text : refuse(r.text);
      },
    ),
    tool(
      'try_component',
      "Exercise one code component of the working tree before committing it, compiled and run in the same capability sandbox evaluations use: a tool called with sample args, or a middleware's hooks run on a sample context. ctx.sandbox is a fake that never touches anything: it records every exec/readFile/writeFile and answers from `exec` (first entry whose `match` is in the command; default: empty success) and `files`. Returns the result or the error, the capability calls and console output. Nothing it does reaches the run.",
      {
        kind: { type: 'string', enum: ['tool', 'middleware'] },
        name: { type: 'string', description: 'The component name: tools/<name>.ts or middleware/<name>.ts.' },
        args: { type: 'object', description: 'tool: the arguments of the call.' },
        hooks: {
          type: 'array',
          items: { type: 'string' },
          description: 'middleware: hooks to run (default: all it defines).',
        },
        tool_call: {
          type: 'object',
          description:
            'middleware: the sample call {name, args} tool hooks get (default run_shell_command {command: "ls"}).',
        },
        tool_result: {
          type: 'object',
          description: 'middleware: the sample result {output, is_error} afterTool/wrapToolCall get.',
        },
        assistant_text: { type: 'string', description: "middleware: the sample model reply's text." },
        instruction: { type: 'string', description: 'middleware: the sample task instruction in ctx.state.' },
        repeat: {
          type: 'integer',
          description: 'middleware: run the hooks this many times on one context (state.store persists); 1–20.',
        },
        exec: {
          type: 'array',
          items: { type: 'object' },
          description: 'Scripted sandbox answers: [{match, stdout, stderr, exit_code}].',
        },
        files: { type: 'object', description: 'Files the fake sandbox readFile finds: {path: content}.' },
      },
      ['kind', 'name'],
      async (args) => {
        const r = await tryComponent(deps.harnessDir, args as unknown as TryComponentRequest);
        return r.ok ? r.text : refuse(r.text);
      },
    ),
    tool(
      'render_context',
      "Show the coding agent's context as the model sees it at the start of a session — system prompt with the skill index and memory appended, and the tool definitions — with its token count, from the working tree (uncommitted edits included).",
      {},
      [],
      async () => {
        const r = await renderContext(deps.harnessDir);
        return r.ok ? r.text : refuse(r.text);
      },
    ),
    tool(
      'commit_change',
      'Commit the current edits as one change (one change = one commit). The harness must validate and the edits must not contain task-specific content.',
      {
        id: {
          type: 'string',
          description: 'The change id you will use in the manifest, e.g. verify-before-finishing.',
        },
        message: { type: 'string', description: 'One line: what the change does.' },
      },
      ['id', 'message'],
      async (args) => {
        const id = String(args.id);
        if (!/^[A-Za-z0-9._-]+$/.test(id)) return refuse('id: letters, digits, dot, dash and underscore only');
        if (committed.some((c) => c.id === id))
          return refuse(`a change with id ${id} was already committed; use another id`);
        const files = await deps.uncommittedFiles();
        if (files.length === 0) return refuse('nothing to commit: edit a component file first');
        const validation = await deps.validate();
        if (!validation.ok) {
          deps.onCommitAttempt?.({ id, files, outcome: 'invalid' });
          return refuse(`not committed — the harness does not validate:\n${validation.text}`);
        }
        const leak = await deps.auditUncommitted();
        if (leak) deps.onCommitAttempt?.({ id, files, outcome: 'leak' });
        if (leak)
          return refuse(
            `not committed — task-specific content found (the harness must generalise, not memorise the tasks):\n${leak}`,
          );
        const change = await deps.commit(id, String(args.message));
        committed.push(change);
        deps.onCommitAttempt?.({ id, files: change.files, outcome: 'committed' });
        return { output: `committed ${id} as ${change.sha.slice(0, 10)}: ${change.files.join(', ')}` };
      },
    ),
    tool(
      'write_manifest',
      'Write change_manifest.json for this iteration: {iteration, changes: [{id, type: new|improvement|rollback, component, files, description, evidence, root_cause, failure_pattern, predicted_fixes: [task], risk_tasks: [task], why_this_component}]}, one entry per committed change.',
      { manifest: { type: 'object', description: 'The manifest object.' } },
      ['manifest'],
      async (args) => {
        const problems = await deps.writeManifest(args.manifest, committed);
        if (problems.length) return refuse(`manifest refused:\n${problems.map((p) => `- ${p}`).join('\n')}`);
        accepted = true;
        return { output: 'manifest accepted. Reply with a short summary and stop.' };
      },
    ),
  ];
  return { tools, committed, manifestAccepted: () => accepted };
}

/** Harness-relative path of a file, for messages. */
export const harnessRelative = (harnessDir: string, file: string) => relative(harnessDir, file);
