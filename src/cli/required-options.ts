// Options a command cannot run without, checked in its action rather than by commander's
// requiredOption: commander reports a missing required option before an unknown one, so a mistyped
// `--harnes` read "required option '--harness <dir>' not specified" instead of "unknown option '--harnes'
// (Did you mean --harness?)". In the action, commander has already refused unknown options.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';

/** Fails naming the first of `names` (attribute names, e.g. `harness`) that was not given. */
export function requireOptions(command: Command, ...names: string[]): void {
  for (const name of names) {
    if (command.getOptionValue(name) !== undefined) continue;
    const option = command.options.find((o) => o.attributeName() === name);
    throw new UserError(`required option '${option?.flags ?? name}' not specified`);
  }
}
