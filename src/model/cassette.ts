// Cassettes: recorded model traffic, one JSONL line per completion, appended as it happens so a
// crash keeps what was recorded. Requests are hashed canonically so a replay can prove it is
// answering the same conversation.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.ts';
import type { Completion, CompletionRequest } from './types.ts';

export interface CassetteEntry {
  v: 1;
  index: number;
  request_hash: string;
  request: Omit<CompletionRequest, 'onDelta'>;
  completion: Completion;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function storableRequest(request: CompletionRequest): Omit<CompletionRequest, 'onDelta'> {
  const { onDelta: _drop, ...rest } = request;
  return JSON.parse(JSON.stringify(rest)) as Omit<CompletionRequest, 'onDelta'>;
}

export function hashRequest(request: CompletionRequest): string {
  const { messages, tools, temperature, maxOutputTokens } = storableRequest(request);
  return createHash('sha256')
    .update(JSON.stringify(canonical({ messages, tools, temperature, maxOutputTokens })))
    .digest('hex');
}

export function appendCassette(file: string, entry: CassetteEntry): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export function readCassette(file: string): CassetteEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cassette ${file}: no such file (record one with: ahe run … --record ${file})`);
  }
  const entries: CassetteEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let entry: CassetteEntry;
    try {
      entry = JSON.parse(line) as CassetteEntry;
    } catch {
      throw new UserError(`cassette ${file}:${i + 1}: not valid JSON`);
    }
    if (entry?.v !== 1 || typeof entry.request_hash !== 'string' || !entry.completion?.message) {
      throw new UserError(
        `cassette ${file}:${i + 1}: not a cassette entry (needs v: 1, request_hash, completion.message)`,
      );
    }
    entries.push(entry);
  });
  return entries;
}
