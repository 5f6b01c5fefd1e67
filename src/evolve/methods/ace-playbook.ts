// The ACE playbook (memory/playbook.md): itemised bullets under sections, each with a stable id and
// helpful/harmful counters, in the paper's form `[str-00001] helpful=3 harmful=0 :: content`. A delta
// never rewrites it: new bullets are appended with new ids (near-duplicates of an existing or an earlier
// new bullet dropped), the counters of bullets the reflector tagged go up by one, and everything else —
// ids, content, order — stays as it was.
import { isNearDuplicate, oneLine } from './near-duplicate.ts';

export interface Bullet {
  id: string;
  helpful: number;
  harmful: number;
  content: string;
}

export interface Playbook {
  /** Sections in order of first appearance, each with its bullets in order. */
  sections: { name: string; bullets: Bullet[] }[];
}

export interface AceDelta {
  /** The reflector's verdict on existing bullets this iteration (unknown ids are ignored). */
  tags: { id: string; tag: 'helpful' | 'harmful' | 'neutral' }[];
  /** The curator's new bullets. */
  add: { section: string; content: string }[];
}

export const PLAYBOOK_FILE = 'memory/playbook.md';
/** Sections the curator is offered (it may name others). */
export const DEFAULT_SECTIONS = [
  'strategies_and_hard_rules',
  'verification_checklist',
  'common_mistakes',
  'tool_usage',
];

const BULLET = /^- \[([a-z]{2,8}-\d{5})\] helpful=(\d+) harmful=(\d+) :: (.*)$/;
const HEADER = [
  '# Playbook',
  '',
  'Strategies learned from earlier attempts at tasks like these (ahe evolve --method ace). Each bullet has',
  'an id and how often it was judged helpful or harmful: rely on the helpful ones, be wary of the harmful ones.',
];

/** A section name as a slug (`Verification Checklist` → `verification_checklist`). */
export const sectionSlug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'general';

/** The id prefix of a section: its first three letters (`str` for strategies_and_hard_rules). */
const prefixOf = (section: string) => (section.replace(/[^a-z]/g, '').slice(0, 3) || 'gen').padEnd(2, 'x');

export function parsePlaybook(text: string | null): Playbook {
  const sections: Playbook['sections'] = [];
  let current: Playbook['sections'][number] | undefined;
  for (const line of (text ?? '').split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      const name = sectionSlug(heading[1]!);
      current = sections.find((s) => s.name === name) ?? { name, bullets: [] };
      if (!sections.includes(current)) sections.push(current);
      continue;
    }
    const m = BULLET.exec(line);
    if (!m) continue;
    if (!current) {
      current = { name: 'general', bullets: [] };
      sections.push(current);
    }
    current.bullets.push({ id: m[1]!, helpful: Number(m[2]), harmful: Number(m[3]), content: m[4]! });
  }
  return { sections };
}

export function renderPlaybook(p: Playbook): string {
  const lines = [...HEADER];
  for (const s of p.sections) {
    if (!s.bullets.length) continue;
    lines.push('', `## ${s.name}`, '');
    for (const b of s.bullets) lines.push(`- [${b.id}] helpful=${b.helpful} harmful=${b.harmful} :: ${b.content}`);
  }
  return `${lines.join('\n')}\n`;
}

export const allBullets = (p: Playbook): Bullet[] => p.sections.flatMap((s) => s.bullets);

export interface AceApplied {
  playbook: Playbook;
  added: string[];
  helpful: string[];
  harmful: string[];
  duplicates: number;
  unknownTags: string[];
}

/** Applies a delta to a copy of the playbook. */
export function applyAceDelta(before: Playbook, delta: AceDelta): AceApplied {
  const playbook: Playbook = {
    sections: before.sections.map((s) => ({ name: s.name, bullets: s.bullets.map((b) => ({ ...b })) })),
  };
  const byId = new Map(allBullets(playbook).map((b) => [b.id, b]));
  const out: AceApplied = { playbook, added: [], helpful: [], harmful: [], duplicates: 0, unknownTags: [] };
  // One vote per bullet per iteration: the reflector's last tag for it counts.
  const tags = new Map(delta.tags.map((t) => [t.id.trim(), t.tag]));
  for (const [id, tag] of tags) {
    const bullet = byId.get(id);
    if (!bullet) {
      out.unknownTags.push(id);
      continue;
    }
    if (tag === 'helpful') {
      bullet.helpful++;
      out.helpful.push(id);
    } else if (tag === 'harmful') {
      bullet.harmful++;
      out.harmful.push(id);
    }
  }
  let next = Math.max(0, ...[...byId.keys()].map((id) => Number(id.split('-')[1]))) + 1;
  for (const a of delta.add) {
    const content = oneLine(a.content);
    if (!content) continue;
    if (allBullets(playbook).some((b) => isNearDuplicate(b.content, content))) {
      out.duplicates++;
      continue;
    }
    const name = sectionSlug(a.section);
    let section = playbook.sections.find((s) => s.name === name);
    if (!section) {
      section = { name, bullets: [] };
      playbook.sections.push(section);
    }
    const id = `${prefixOf(name)}-${String(next++).padStart(5, '0')}`;
    section.bullets.push({ id, helpful: 0, harmful: 0, content });
    out.added.push(id);
  }
  return out;
}

/** What an applied delta did, in one line. */
export function describeAceDelta(a: AceApplied): string {
  const parts = [
    a.added.length ? `+${a.added.length} bullet(s) (${a.added.join(', ')})` : 'no new bullet',
    a.helpful.length ? `helpful+1: ${a.helpful.join(', ')}` : '',
    a.harmful.length ? `harmful+1: ${a.harmful.join(', ')}` : '',
    a.duplicates ? `${a.duplicates} near-duplicate(s) dropped` : '',
  ].filter(Boolean);
  return `ACE playbook delta: ${parts.join('; ')}`;
}
