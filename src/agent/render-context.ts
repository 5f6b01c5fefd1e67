// What the model sees at the start of a session: the rendered system prompt and the tool list.
// Snapshot-tested for the seed harness (test/fixtures/seed-context.txt): any change here is a visible diff.
import type { Harness } from '../harness/types.ts';

/** The harness system prompt, then skill index and memory lessons (progressive disclosure: bodies load on demand). */
export function renderSystemPrompt(harness: Pick<Harness, 'systemPrompt' | 'skills' | 'memory'>): string {
  const parts = [harness.systemPrompt.trim()];
  if (harness.skills.length > 0) {
    const lines = harness.skills.map((s) => `- ${s.name}: ${s.description}`);
    parts.push(
      `# Skills\nThese skills are available. Call the load_skill tool with a skill's name to read it before you use it.\n${lines.join('\n')}`,
    );
  }
  if (harness.memory.length > 0) {
    const lessons = harness.memory.map((m) => m.content.trim());
    parts.push(`# Memory\nLessons learned from earlier tasks:\n\n${lessons.join('\n\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}
