// Recognises the shell command in a tool call, whatever the agent calls its shell tool (run_shell_command,
// bash, execute_bash, terminal, bash_command with tmux keystrokes, …) and however it names the argument.
// Other tools keep their arguments as compact JSON.

const SHELL_TOOL = /bash|shell|terminal|command|exec|cmd|tmux|keystroke|console|^sh$|^run$|^zsh$/i;
/** Argument names that hold the command, most specific first. */
const COMMAND_KEYS = ['command', 'cmd', 'keystrokes', 'keys', 'script', 'commands', 'input'];
/** Tools whose `command` argument is a sub-command, not a shell line (editor tools). */
const NOT_SHELL = /edit|editor|file|todo|task_tracker|think|finish|search|browser/i;
const MAX_ARGS_CHARS = 300;

export interface ToolCallView {
  command?: string;
  /** The remaining arguments, compact JSON, cut. */
  args?: string;
}

/** Tool arguments arrive as an object or as a JSON-encoded string (both are seen in the wild). */
export function parseArguments(raw: unknown): Record<string, unknown> | string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (trimmed.startsWith('{')) {
      try {
        const parsed = JSON.parse(trimmed);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // not JSON after all: shown as the raw string
      }
    }
    return raw;
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  return JSON.stringify(raw);
}

function commandText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    // ["bash", "-lc", "ls -la"] → the script itself
    if (value.length === 3 && /^(?:ba|z)?sh$/.test(value[0]!) && /^-\w*c$/.test(value[1]!)) return value[2];
    return value.join(' ');
  }
  if (
    Array.isArray(value) &&
    value.every((v) => v && typeof v === 'object' && typeof (v as { keystrokes?: unknown }).keystrokes === 'string')
  ) {
    return value.map((v) => (v as { keystrokes: string }).keystrokes).join('');
  }
  return undefined;
}

/** Keystrokes end in a newline (they are typed); a trailing tmux wait is the harness's, not the agent's. */
export function tidyCommand(command: string): string {
  return command.replace(/;\s*tmux wait -S done\s*$/, '').replace(/\s+$/, '');
}

export const compactJson = (value: unknown, max = MAX_ARGS_CHARS): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} chars]`;
};

export function viewToolCall(tool: string, rawArgs: unknown): ToolCallView {
  const args = parseArguments(rawArgs);
  if (args === undefined) return {};
  if (typeof args === 'string')
    return SHELL_TOOL.test(tool) && !NOT_SHELL.test(tool)
      ? { command: tidyCommand(args) }
      : { args: compactJson(args) };
  const shellish = SHELL_TOOL.test(tool) && !NOT_SHELL.test(tool);
  for (const key of COMMAND_KEYS) {
    if (!(key in args)) continue;
    if (!shellish && key !== 'cmd' && key !== 'keystrokes') continue;
    const command = commandText(args[key]);
    if (command === undefined) continue;
    const rest = Object.fromEntries(Object.entries(args).filter(([k]) => k !== key));
    return { command: tidyCommand(command), ...(Object.keys(rest).length ? { args: compactJson(rest) } : {}) };
  }
  return Object.keys(args).length ? { args: compactJson(args) } : {};
}
