// `ahe harness init`: copy the zero-prior seed (harnesses/seed, the single source) into a new directory.

import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { bundledPath } from '../bundled-path.ts';
import { UserError } from '../errors.ts';

export const SEED_HARNESS_DIR = bundledPath('harnesses/seed');

export async function initHarness(target: string): Promise<void> {
  if (existsSync(target)) {
    if (!statSync(target).isDirectory())
      throw new UserError(`${target} is a file: choose a new or empty directory for the harness`);
    if (readdirSync(target).length > 0)
      throw new UserError(
        `${target} is not empty: choose a new or empty directory for the harness (nothing was written)`,
      );
  }
  cpSync(SEED_HARNESS_DIR, target, { recursive: true });
}
