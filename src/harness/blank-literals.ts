// Replaces the contents of comments and string/template literals with spaces, keeping every
// line break and column, so a scan for forbidden code does not trip over prose such as
// "the process." in a message, and still reports the right line:col.

/** The source with comment text and literal text blanked; quotes, `${` `}` and code stay in place. */
export function blankLiterals(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  // Each open template literal's brace depth at its `${`, so `}` knows when the literal resumes.
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  const inTemplate = () => templates.length > 0 && templates[templates.length - 1] === depth;
  const scanTemplateText = () => {
    const start = i;
    while (i < source.length && source[i] !== '`' && !(source[i] === '$' && source[i + 1] === '{'))
      i += source[i] === '\\' ? 2 : 1;
    blank(start, Math.min(i, source.length));
    if (source[i] === '`') {
      templates.pop();
      i += 1;
    } else if (i < source.length) {
      i += 2; // `${`: back to code, remembered at the current depth
      depth += 1;
      templates[templates.length - 1] = depth;
    }
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      blank(i + 2, end === -1 ? source.length : end);
      i = end === -1 ? source.length : end;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      blank(i + 2, end === -1 ? source.length : end);
      i = end === -1 ? source.length : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, source.length));
      i = j + 1;
    } else if (c === '`') {
      templates.push(-1);
      i += 1;
      scanTemplateText();
    } else if (c === '{') {
      depth += 1;
      i += 1;
    } else if (c === '}') {
      const resumes = inTemplate();
      depth -= 1;
      i += 1;
      if (resumes) {
        templates[templates.length - 1] = -1;
        scanTemplateText();
      }
    } else {
      i += 1;
    }
  }
  return out.join('');
}
