// asciinema recordings (Terminal-Bench 1 `sessions/*.cast`): a JSON header line, then one event per line,
// `[time, "o", data]` for output (v2: seconds since start; v3: seconds since the previous event). Streamed:
// only output events are passed on, with their time, so commands can be given durations.
import { readLines } from './read-lines.ts';

export interface CastReading {
  events: number;
  problems: string[];
}

export async function streamCast(
  path: string,
  label: string,
  onOutput: (data: string, time: number) => void,
): Promise<CastReading> {
  const problems: string[] = [];
  let version = 2;
  let clock = 0;
  let events = 0;
  let bad = 0;
  for await (const line of readLines(path)) {
    if ('tooLong' in line) {
      problems.push(`${label}:${line.n}: event of ${line.tooLong} bytes skipped`);
      continue;
    }
    if (!line.text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      if (bad++ < 5) problems.push(`${label}:${line.n}: not valid JSON, skipped`);
      continue;
    }
    if (line.n === 1 && value && typeof value === 'object' && !Array.isArray(value)) {
      version = Number((value as { version?: unknown }).version) || 2;
      continue;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[2] !== 'string') {
      if (bad++ < 5) problems.push(`${label}:${line.n}: not an asciicast event, skipped`);
      continue;
    }
    clock = version >= 3 ? clock + value[0] : value[0];
    events++;
    if (value[1] === 'o') onOutput(value[2], clock);
  }
  if (bad > 5) problems.push(`${label}: ${bad - 5} more bad lines`);
  return { events, problems };
}
