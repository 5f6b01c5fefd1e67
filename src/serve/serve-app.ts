// The routes of `ahe serve` (docs/serve.md): the page at /, and a JSON API the page polls. Every path a
// query names goes through resolveInsideRoot; loads go through StableLoader (retried, last good answer
// kept); nothing here writes a file.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { UserError } from '../errors.ts';
import { jobOfDebugDir } from '../report/load-debug.ts';
import { findDebugDir, readDebugInfo } from '../report/load-debug-info.ts';
import {
  detectEntryKind,
  type EntryKind,
  loadReport,
  loadTrialDetail,
  resolveTrialRef,
} from '../report/load-report.ts';
import type { AnyReport, ReportPayload, TrialDetail } from '../report/report-data.ts';
import { createIndexer } from './entry-index.ts';
import { observeEntry, observeTrial } from './entry-watch.ts';
import { HttpError, shown } from './http-error.ts';
import { escapingSymlink, isInside, resolveInsideRoot } from './inside-root.ts';
import { API_CSP, acceptedHostNames, refusal, setCommonHeaders } from './request-guard.ts';
import { StableLoader } from './stable-load.ts';

export interface ServeAppOptions {
  /** realpath of the served directory. */
  rootReal: string;
  /** The host the server is bound to (for the Host header check). */
  host: string;
  /** Where a failure the user should see is reported (default stderr). */
  log?: (line: string) => void;
}

/** How deep below an entry the loaders read files, for the check of symlinks that lead out. */
const READ_DEPTH: Record<EntryKind, number> = { job: 2, debug: 2, run: 5 };
const KIND_TTL_MS = 2000;
/** Below a trial directory: agent/tool-outputs/<file>, verifier/<file>. */
const TRIAL_READ_DEPTH = 3;

interface Entry {
  rel: string;
  dir: string;
  kind: EntryKind;
}

export function createServeApp(options: ServeAppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { rootReal } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const accepted = acceptedHostNames(options.host);
  const index = createIndexer(rootReal, rootReal);
  const reports = new StableLoader<ReportPayload>();
  const trials = new StableLoader<TrialDetail>();
  let page: { html: string; csp: string } | undefined;
  const logged = new Set<string>();

  const payload = (report: AnyReport, title: string): ReportPayload => ({
    version: 1,
    title,
    generated_at: new Date().toISOString(),
    ahe_version: AGENT_INFO.version,
    report,
  });

  const entriesOf = (params: URLSearchParams): Entry[] => {
    const rels = params.getAll('path');
    if (rels.length === 0) throw new HttpError(400, 'missing ?path=<directory relative to the served one>');
    return rels.map((rel) => {
      const dir = resolveInsideRoot(rootReal, rel);
      const kind = kindOf(dir);
      if (!kind) throw new HttpError(404, `path ${shown(rel)} is not a job, an evolve run or a debug output`);
      return { rel, dir, kind };
    });
  };

  // What a directory is, remembered briefly: deciding lists a job's directory, thousands of trials, at every poll otherwise.
  const kinds = new Map<string, { at: number; kind: EntryKind | null }>();
  const kindOf = (dir: string): EntryKind | null => {
    const now = Date.now();
    const known = kinds.get(dir);
    if (known && now - known.at < KIND_TTL_MS) return known.kind;
    let kind: EntryKind | null;
    try {
      kind = detectEntryKind(dir);
    } catch {
      kind = null;
    }
    if (kinds.size > 1000) kinds.clear();
    kinds.set(dir, { at: now, kind });
    return kind;
  };

  const versionOf = (entries: Entry[]) => entries.map((e) => observeEntry(e.dir, e.kind).token).join('.');

  const refuseEscapes = (dir: string, depth: number, rel: string) => {
    const link = escapingSymlink(rootReal, dir, depth);
    if (link)
      throw new HttpError(
        403,
        `${shown(rel)} holds a symlink that leads outside the served directory (${shown(link)})`,
      );
  };

  async function report(params: URLSearchParams): Promise<{ value: ReportPayload; stale?: string }> {
    const entries = entriesOf(params);
    const key = entries.map((e) => e.dir).join('\0');
    return reports.get(key, versionOf(entries), async () => {
      for (const e of entries) refuseEscapes(e.dir, READ_DEPTH[e.kind], e.rel);
      // A debug output shows the job it analysed: only when that job lies inside the served directory too.
      const debugJob = entries[0]!.kind === 'debug' ? jobOfDebugInside(rootReal, entries[0]!.dir) : undefined;
      if (debugJob) refuseEscapes(debugJob, READ_DEPTH.job, entries[0]!.rel);
      const { payload: loaded } = await loadReport(
        entries.map((e) => e.dir),
        { embedTrials: false },
      );
      if (loaded.report.kind === 'debug' && debugJob === null) loaded.report.job = null;
      return loaded;
    });
  }

  async function trial(params: URLSearchParams): Promise<{ value: TrialDetail; stale?: string }> {
    const entries = entriesOf(params);
    const ref = params.get('ref');
    if (!ref) throw new HttpError(400, 'missing &ref=<detail_ref of a trial row>');
    let jobDir: string;
    let trialId: string;
    let debugDir: string | undefined;
    try {
      ({ jobDir, trialId, debugDir } = resolveTrialRef(
        entries.map((e) => e.dir),
        ref,
      ));
    } catch (error) {
      if (error instanceof UserError) throw new HttpError(403, `ref ${shown(ref)}: ${error.message}`);
      throw error;
    }
    // The loaders check the ref; so does this, on the real path of the trial directory.
    let trialDir: string;
    try {
      trialDir = resolveInsideRoot(rootReal, relativeTo(rootReal, join(jobDir, trialId)));
    } catch (error) {
      if (error instanceof HttpError && error.status === 404)
        throw new HttpError(404, `ref ${shown(ref)}: no such trial`);
      throw new HttpError(403, `ref ${shown(ref)} leads outside the served directory`);
    }
    // A debug output's trial carries that output's digest: the same trial read from its job may not.
    const key = debugDir ? `${trialDir}\0${debugDir}` : trialDir;
    return trials.get(key, observeTrial(trialDir, debugDir).token, async () => {
      refuseEscapes(trialDir, TRIAL_READ_DEPTH, ref);
      // The debug output the digest is read from: the same check as when it is opened itself.
      const digestFrom = debugDir ?? findDebugDir(jobDir) ?? undefined;
      if (digestFrom) refuseEscapes(digestFrom, READ_DEPTH.debug, ref);
      return loadTrialDetail(jobDir, trialId, digestFrom);
    });
  }

  function version(params: URLSearchParams): string {
    if (params.getAll('path').length === 0) {
      // The index: its entries and their states.
      const { entries } = index();
      return entries.map((e) => `${e.path}|${e.updated_at}|${e.running}|${e.pass_at_1}`).join('\n');
    }
    return versionOf(entriesOf(params));
  }

  /** The page, rendered once: it fetches everything else from the API. Imported when first asked for (the bundle is large). */
  async function pageHtml(): Promise<{ html: string; csp: string }> {
    if (!page) {
      const { renderReportHtml } = await import('../report/html.ts');
      page = renderReportHtml({ api: '/api', title: `ahe serve · ${basename(rootReal)}` });
    }
    return page;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    switch (pathname) {
      case '/': {
        const { html, csp } = await pageHtml();
        res.setHeader('Content-Security-Policy', `${csp}; frame-ancestors 'none'`);
        return send(req, res, 200, 'text/html; charset=utf-8', html);
      }
      case '/favicon.ico':
        // No icon, and no 404 in the browser's console either.
        res.statusCode = 204;
        res.end();
        return;
      case '/api/index':
        return sendJson(req, res, 200, payload(index(), `ahe serve · ${basename(rootReal)}`));
      case '/api/report': {
        const { value, stale } = await report(params);
        if (stale) res.setHeader('X-Ahe-Stale', encodeURIComponent(stale.slice(0, 200)));
        return sendJson(req, res, 200, value);
      }
      case '/api/trial': {
        const { value, stale } = await trial(params);
        if (stale) res.setHeader('X-Ahe-Stale', encodeURIComponent(stale.slice(0, 200)));
        return sendJson(req, res, 200, value);
      }
      case '/api/version':
        return sendJson(req, res, 200, { version: hashOf(version(params)) });
      default:
        throw new HttpError(404, `no such page: ${shown(pathname)}`);
    }
  }

  return (req, res) => {
    setCommonHeaders(res);
    const refused = refusal(req, accepted);
    if (refused) {
      if (refused.status === 405) res.setHeader('Allow', 'GET, HEAD');
      sendJson(req, res, refused.status, { error: refused.error });
      return;
    }
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.removeHeader('X-Ahe-Stale');
      if (error instanceof HttpError) return sendJson(req, res, error.status, { error: error.message });
      if (error instanceof UserError) return sendJson(req, res, 400, { error: error.message });
      const message = error instanceof Error ? error.message : String(error);
      // Said once per distinct failure: a page polling a broken entry does not flood the terminal.
      if (!logged.has(message)) {
        logged.add(message);
        log(`ahe serve: ${req.url}: ${message}`);
      }
      sendJson(req, res, 500, { error: message });
    });
  };
}

/** realpath of the job a debug output analysed when it lies inside the root; null when it does not or there is none. */
function jobOfDebugInside(rootReal: string, debugDir: string): string | null {
  const jobDir = jobOfDebugDir(debugDir, readDebugInfo(debugDir).report?.job.dir);
  if (!jobDir) return null;
  try {
    const real = realpathSync(jobDir);
    return isInside(rootReal, real) ? real : null;
  } catch {
    return null;
  }
}

function relativeTo(rootReal: string, path: string): string {
  if (!isInside(rootReal, path)) return '..';
  return path === rootReal ? '.' : path.slice(rootReal.length + 1);
}

/** Opaque and short: the page only compares it with the previous one. */
const hashOf = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 20);

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('Content-Security-Policy', API_CSP);
  send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
