// Small building blocks the run and comparison views share (their sections are view-parts.ts' panels): a
// coloured label (a verdict, a flip) and a two-column list of facts. Colours and layout that carry meaning
// are set through the CSSOM (element.style, which the page's Content-Security-Policy allows), so they hold
// whatever the stylesheet says; a label always says in words what its colour says.
import { h } from './dom.ts';

type Child = Node | string | null | undefined | false;

/** Okabe–Ito colours for the evolve verdicts (src/evolve/attribution.ts) and task changes. */
const LABEL_COLOURS: Record<string, [string, string]> = {
  EFFECTIVE: ['#009E73', '#fff'],
  PARTIALLY_EFFECTIVE: ['#56B4E9', '#000'],
  INEFFECTIVE: ['#999999', '#000'],
  MIXED: ['#E69F00', '#000'],
  HARMFUL: ['#D55E00', '#fff'],
  fixed: ['#009E73', '#fff'],
  improved: ['#56B4E9', '#000'],
  regressed: ['#D55E00', '#fff'],
  worsened: ['#E69F00', '#000'],
  'rolled back': ['#CC79A7', '#000'],
  refused: ['#D55E00', '#fff'],
  skipped: ['#999999', '#000'],
  running: ['#0072B2', '#fff'],
};

/** A small coloured label; text from the data is shown as text. */
export function chip(text: string, colourKey = text): HTMLElement {
  const element = h('span', { class: 'chip', 'data-label': colourKey }, text);
  const colours = LABEL_COLOURS[colourKey];
  element.style.display = 'inline-block';
  element.style.padding = '0 6px';
  element.style.borderRadius = '8px';
  element.style.fontSize = '0.85em';
  element.style.marginRight = '4px';
  if (colours) {
    element.style.background = colours[0];
    element.style.color = colours[1];
  } else {
    element.style.border = '1px solid currentColor';
  }
  return element;
}

/** A definition list of facts; null values are left out. */
export function facts(entries: [string, Child | number][]): HTMLElement {
  const dl = h('dl', { class: 'facts' });
  dl.style.display = 'grid';
  dl.style.gridTemplateColumns = 'max-content 1fr';
  dl.style.gap = '2px 16px';
  dl.style.margin = '8px 0';
  for (const [term, value] of entries) {
    if (value === null || value === undefined || value === false) continue;
    const dd = h('dd', {}, typeof value === 'number' ? String(value) : value);
    dd.style.margin = '0';
    dl.append(h('dt', {}, term), dd);
  }
  return dl;
}

/** A comma-separated list of names, or a dash. */
export function names(list: string[]): string {
  return list.length ? list.join(', ') : '—';
}
