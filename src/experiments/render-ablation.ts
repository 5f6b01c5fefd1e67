// RUN/ablation/ablation.md: the ablation report as a reader wants it — one row per variant with its
// score and its two paired comparisons, then what was not evaluated and why, and how to read the
// p-values (which family Holm's correction runs over).

import { shownModel } from '../report/shown.ts';
import type { AblationReport, AblationVariant } from './ablate.ts';
import { formatCount, formatPaired, formatPass, formatUsd } from './variant-stats.ts';

function row(v: AblationVariant): string {
  const s = v.score;
  const status =
    v.status === 'same'
      ? `same files as ${v.same_as}`
      : v.status === 'evaluated'
        ? ''
        : v.status === 'invalid'
          ? 'does not validate'
          : v.status;
  const cells = [
    `**${v.label}**${v.name !== v.label ? ` (\`${v.name}\`)` : ''}`,
    s ? `${formatPass(s)}` : '–',
    v.vs_seed ? formatPaired(v.vs_seed) : '–',
    v.vs_best ? formatPaired(v.vs_best) : '–',
    s ? formatCount(s.tokens_per_trial) : '–',
    s ? formatCount(s.tokens_per_solved_task) : '–',
    s ? formatUsd(s.cost_usd) : '–',
    status,
  ];
  return `| ${cells.join(' | ')} |`;
}

export function renderAblation(r: AblationReport): string {
  const lines = [
    `# Ablation of ${r.run}`,
    '',
    `Best harness: iteration ${r.best_iteration ?? '?'}. Tasks: ${r.tasks.names.length} from ${r.tasks.dir} (${r.tasks.source}), k=${r.k}, model ${shownModel(r.model)}, backend ${r.backend}.`,
    '',
    r.complete
      ? 'Every variant was measured completely.'
      : `**Incomplete** (${r.stopped ?? 'some jobs lack trials'}): run the same command again to continue; only complete jobs are scored below.`,
    '',
    '| variant | pass@1 [95% CI] | vs seed (Δ, 95% CI, p) | vs best (Δ, 95% CI, p) | tokens/trial | tokens/solved task | cost | note |',
    '|---|---|---|---|---|---|---|---|',
    ...r.variants.map(row),
    '',
    `Δ is the paired difference of pass@1 in points over the common tasks (variant − seed, variant − best), p the sign-flip permutation test's two-sided p-value. Holm's correction runs over each column as one family: vs seed over ${r.holm_families.vs_seed.join(', ') || 'none'}; vs best over ${r.holm_families.vs_best.join(', ') || 'none'}. A variant with the same files as another reads that one's job and is not tested again.`,
    '',
    '## What the best harness changed',
    '',
    ...Object.entries(r.changed)
      .filter(([, files]) => files.length > 0)
      .map(([type, files]) => `- **${type}**: ${files.join(', ')}`),
  ];
  if (r.unchanged.length) lines.push('', `Unchanged by the best harness (not evaluated): ${r.unchanged.join(', ')}.`);
  if (r.untyped_changes.length)
    lines.push(
      '',
      `Files of no component type that differ (each variant keeps its base's): ${r.untyped_changes.join(', ')}.`,
    );
  const invalid = r.variants.filter((v) => v.invalid_reason);
  if (invalid.length) {
    lines.push('', '## Variants that do not validate (not evaluated)', '');
    for (const v of invalid) lines.push(`- **${v.label}** (\`${v.name}\`): ${v.invalid_reason!.join('; ')}`);
  }
  lines.push('', `Spent: ${formatCount(r.spent.tokens)} tokens, ${formatUsd(r.spent.cost_usd)}.`, '');
  return lines.join('\n');
}
