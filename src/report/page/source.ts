// Where the page gets its data (ReportSource, src/report/report-data.ts). A static report file embeds the
// payload and its trials' details (gzip, base64) in <script type="application/json"> blocks: they are
// parsed as JSON, never run, and a detail is inflated only when its trial is opened. A page served by
// `ahe serve` has the API's base URL in <meta name="ahe-api"> and fetches everything, polling the entry's
// version every second to follow a job or run being written.
import {
  API_META_NAME,
  PAYLOAD_ELEMENT_ID,
  type ReportPayload,
  type ReportSource,
  TRIALS_ELEMENT_ID,
  type TrialDetail,
} from '../report-data.ts';

/** How often a live page asks whether what it shows changed. */
export const POLL_MS = 1000;

/** The text of a JSON block as a value (null when the block is absent). */
function readBlock(id: string): unknown {
  const element = document.getElementById(id);
  if (!element?.textContent) return null;
  return JSON.parse(element.textContent);
}

/** Inflates base64(gzip(JSON)) with the browser's own DecompressionStream. */
export async function inflateDetail(encoded: string): Promise<TrialDetail> {
  const binary = atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as TrialDetail;
}

/** Resolves once the whole document is parsed (at once when it already is). */
const documentParsed = (): Promise<void> =>
  document.readyState === 'loading'
    ? new Promise((done) => document.addEventListener('DOMContentLoaded', () => done(), { once: true }))
    : Promise.resolve();

/**
 * The static file's source: its embedded payload and details. The details' block follows the page's
 * script (html.ts) and is read on the first trial asked for, after the document is parsed: the first
 * view is drawn without parsing megabytes of details it does not show.
 */
export function staticSource(): ReportSource {
  const payload = readBlock(PAYLOAD_ELEMENT_ID) as ReportPayload | null;
  if (!payload) throw new Error(`this page has no report data (no #${PAYLOAD_ELEMENT_ID} block)`);
  let encoded: Promise<Record<string, string>> | undefined;
  const details = () =>
    (encoded ??= documentParsed().then(() => (readBlock(TRIALS_ELEMENT_ID) ?? {}) as Record<string, string>));
  const inflated = new Map<string, Promise<TrialDetail>>();
  return {
    load: async () => payload,
    async trial(ref) {
      const all = await details();
      const data = Object.hasOwn(all, ref) ? all[ref] : undefined;
      if (data === undefined) return null;
      let detail = inflated.get(ref);
      if (!detail) {
        detail = inflateDetail(data);
        inflated.set(ref, detail);
      }
      return detail;
    },
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(`${url}: ${message}`);
  }
  return (await response.json()) as T;
}

/** The query of the report's entries: path=a&path=b (none: the served directory's index). */
export function pathsQuery(paths: string[]): string {
  const params = new URLSearchParams();
  for (const path of paths) params.append('path', path);
  return params.toString();
}

/** `ahe serve`'s API, for the entries in `paths` (the index when empty). */
export function apiSource(base: string, paths: string[]): ReportSource {
  const api = base.replace(/\/+$/, '');
  const query = pathsQuery(paths);
  const reportUrl = paths.length === 0 ? `${api}/index` : `${api}/report?${query}`;
  const versionUrl = `${api}/version${query ? `?${query}` : ''}`;
  // The version asked for before the last load: a change after it is seen by the next poll, never missed
  // (a change between the two requests costs one extra load, nothing more).
  let loaded: string | null = null;
  const version = async () => (await getJson<{ version: string }>(versionUrl)).version;
  const load = async () => {
    const before = await version().catch(() => null);
    const payload = await getJson<ReportPayload>(reportUrl);
    loaded = before;
    return payload;
  };
  return {
    load,
    async trial(ref) {
      const params = new URLSearchParams(query);
      params.set('ref', ref);
      return getJson<TrialDetail>(`${api}/trial?${params}`);
    },
    watch(onChange) {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = async () => {
        try {
          const now = await version();
          if (now !== loaded && !stopped) {
            const payload = await load();
            if (!stopped) onChange(payload);
          }
        } catch {
          // The server may be restarting or the entry mid-write: ask again at the next tick.
        }
        if (!stopped) timer = setTimeout(tick, POLL_MS);
      };
      timer = setTimeout(tick, POLL_MS);
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
    open: (path) => getJson<ReportPayload>(`${api}/report?${pathsQuery([path])}`),
  };
}

/** The API base URL when the page is served by `ahe serve`, else null. */
export function apiBase(): string | null {
  const meta = document.querySelector(`meta[name="${API_META_NAME}"]`);
  return meta?.getAttribute('content') ?? null;
}

/** The page's source: the API (with the entries named in ?path=) when served, else the embedded data. */
export function pickSource(): { source: ReportSource; live: boolean; paths: string[] } {
  const base = apiBase();
  if (base === null) return { source: staticSource(), live: false, paths: [] };
  const paths = new URLSearchParams(location.search).getAll('path');
  return { source: apiSource(base, paths), live: true, paths };
}
