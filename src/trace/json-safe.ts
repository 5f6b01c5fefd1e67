// Values component code hands to the trace (tool metadata, custom events) can be anything; the writer
// must never crash on them. toJsonSafe returns a plain JSON tree: what JSON cannot hold becomes a value
// it can (a BigInt its decimal string, a Date its ISO text, a Map or Set an array) or a short note in brackets.

const MAX_DEPTH = 64;

export function toJsonSafe(value: unknown): unknown {
  const ancestors: object[] = [];
  const visit = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'bigint':
        return v.toString();
      case 'undefined':
        return undefined;
      case 'function':
        return `[function ${(v as { name?: string }).name || 'anonymous'}]`;
      case 'symbol':
        return `[${String(v).replace(/^Symbol/, 'symbol')}]`;
    }
    if (v === null) return null;
    const obj = v as object;
    if (ancestors.includes(obj)) return '[circular reference]';
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    if (obj instanceof Error) return `${obj.name}: ${obj.message}`;
    ancestors.push(obj);
    try {
      if (typeof (obj as { toJSON?: unknown }).toJSON === 'function')
        return visit((obj as { toJSON: () => unknown }).toJSON(), depth + 1);
      if (obj instanceof Map) return visit([...obj.entries()], depth + 1);
      if (obj instanceof Set) return visit([...obj.values()], depth + 1);
      if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} of ${obj.byteLength} bytes]`;
      if (Array.isArray(obj)) return obj.map((item) => visit(item, depth + 1) ?? null);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        let field: unknown;
        try {
          field = (obj as Record<string, unknown>)[key];
        } catch (error) {
          field = `[unreadable: ${error instanceof Error ? error.message : String(error)}]`;
        }
        const safe = visit(field, depth + 1);
        if (safe !== undefined) out[key] = safe;
      }
      return out;
    } catch (error) {
      return `[unserialisable: ${error instanceof Error ? error.message : String(error)}]`;
    } finally {
      ancestors.pop();
    }
  };
  return visit(value, 0);
}
