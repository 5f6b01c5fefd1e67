// Placeholder: the best-of-n method is filled in by its owner.

import { UserError } from '../../errors.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';

export async function bestOfNStep(_input: EvolveStepInput): Promise<EvolveStepResult> {
  throw new UserError('best-of-n is not yet available');
}
