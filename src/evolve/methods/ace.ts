// Placeholder: the ace method is filled in by its owner.

import { UserError } from '../../errors.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';

export async function aceStep(_input: EvolveStepInput): Promise<EvolveStepResult> {
  throw new UserError('ace is not yet available');
}
