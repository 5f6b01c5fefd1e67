// Placeholder: the tf-grpo method is filled in by its owner.

import { UserError } from '../../errors.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';

export async function tfGrpoStep(_input: EvolveStepInput): Promise<EvolveStepResult> {
  throw new UserError('tf-grpo is not yet available');
}
