// Secrets never reach a trace: values of secret-looking environment variables and well-known key
// shapes are replaced before any line is written.

export interface Redactor {
  redact(text: string): string;
  /** Deep copy of a JSON-like value with every string redacted. */
  redactJson<T>(value: T): T;
}

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;
const MIN_SECRET_LENGTH = 8;
/** Shapes of credentials that are secret wherever they appear, even if no variable names them. */
const KEY_SHAPES = [
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-(?:proj-)?[A-Za-z0-9_-]{16,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]{16,}/g,
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createRedactor(env: NodeJS.ProcessEnv = process.env, extraSecrets: readonly string[] = []): Redactor {
  const named = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= MIN_SECRET_LENGTH && SECRET_NAME.test(name)) named.set(value, name);
  }
  for (const value of extraSecrets)
    if (value.length >= MIN_SECRET_LENGTH && !named.has(value)) named.set(value, 'SECRET');
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...named.keys()].sort((a, b) => b.length - a.length);
  const combined = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;

  const redact = (text: string): string => {
    let out = combined ? text.replace(combined, (match) => `[REDACTED:${named.get(match)}]`) : text;
    for (const shape of KEY_SHAPES) out = out.replace(shape, '[REDACTED]');
    return out;
  };
  const redactJson = <T>(value: T): T => {
    if (typeof value === 'string') return redact(value) as T;
    if (Array.isArray(value)) return value.map(redactJson) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v)])) as T;
    }
    return value;
  };
  return { redact, redactJson };
}
