// The page's data sources (src/report/page/source.ts) in node with a stand-in document and fetch: the static
// file's embedded blocks (details inflated only when asked, absent ones null), and `ahe serve`'s API — the
// URLs asked for, errors naming the server's message, and the live watch re-loading when (and only when)
// the version changes, including a change that lands between the page's load and its first poll.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { encodeTrialDetail, scriptSafeJson } from '../../src/report/html.ts';
import { apiSource, pathsQuery, staticSource } from '../../src/report/page/source.ts';
import { PAYLOAD_ELEMENT_ID, type ReportPayload, TRIALS_ELEMENT_ID } from '../../src/report/report-data.ts';
import { hostileTrial, sampleJob, samplePayload } from './fixtures/page-samples.ts';

const realFetch = globalThis.fetch;
const g = globalThis as { document?: unknown };

afterEach(() => {
  globalThis.fetch = realFetch;
  delete g.document;
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('staticSource', () => {
  it('reads the embedded payload and inflates a trial detail when asked; others are null', async () => {
    const payload = samplePayload(sampleJob);
    const blocks: Record<string, string> = {
      [PAYLOAD_ELEMENT_ID]: scriptSafeJson(payload),
      [TRIALS_ELEMENT_ID]: scriptSafeJson({ 'ref#1': encodeTrialDetail(hostileTrial) }),
    };
    g.document = { getElementById: (id: string) => (id in blocks ? { textContent: blocks[id] } : null) };
    const source = staticSource();
    assert.deepEqual(await source.load(), payload);
    assert.deepEqual(await source.trial('ref#1'), hostileTrial);
    assert.equal(await source.trial('ref#2'), null);
    assert.equal(await source.trial('constructor'), null);
    assert.equal(source.watch, undefined);
  });

  it('says plainly when the page carries no data', () => {
    g.document = { getElementById: () => null };
    assert.throws(() => staticSource(), /no report data/);
  });
});

describe('apiSource', () => {
  const payload = (n: number): ReportPayload => ({ ...samplePayload(sampleJob), title: `v${n}` });

  function fakeServer() {
    const state = { version: 'a', report: 1, asked: [] as string[] };
    globalThis.fetch = (async (input: string | URL | Request) => {
      const url = String(input);
      state.asked.push(url);
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url.startsWith('/api/version')) return json(200, { version: state.version });
      if (url.startsWith('/api/report')) return json(200, payload(state.report));
      if (url.startsWith('/api/index')) return json(200, payload(0));
      if (url.startsWith('/api/trial')) return json(404, { error: 'ref x: no such trial' });
      return json(500, {});
    }) as typeof fetch;
    return state;
  }

  it('asks the index with no path, the report and trials with the paths', async () => {
    const server = fakeServer();
    assert.equal((await apiSource('/api/', []).load()).title, 'v0');
    const source = apiSource('/api', ['jobs/a', 'b&c']);
    assert.equal((await source.load()).title, 'v1');
    await assert.rejects(source.trial('.#t 1'), /no such trial/);
    assert.ok(server.asked.includes('/api/index'));
    assert.ok(server.asked.includes(`/api/report?${pathsQuery(['jobs/a', 'b&c'])}`));
    assert.ok(server.asked.includes('/api/trial?path=jobs%2Fa&path=b%26c&ref=.%23t+1'));
    assert.ok(server.asked.includes('/api/version?path=jobs%2Fa&path=b%26c'));
  });

  it('watch reloads when the version changes, and only then', async () => {
    const server = fakeServer();
    const source = apiSource('/api', ['job']);
    await source.load();
    const seen: string[] = [];
    const stop = source.watch?.((p) => seen.push(p.title));
    assert.ok(stop);
    // Unchanged: polls, no reload.
    await until(() => server.asked.filter((u) => u.startsWith('/api/version')).length >= 3, 'two polls');
    assert.deepEqual(seen, []);
    server.report = 2;
    server.version = 'b';
    await until(() => seen.length === 1, 'the reload');
    assert.deepEqual(seen, ['v2']);
    stop();
  });

  it('a change between the load and the first poll is not missed', async () => {
    const server = fakeServer();
    const source = apiSource('/api', ['job']);
    // The version is read before the report: the report the page got may already be newer than it says.
    await source.load();
    server.version = 'c';
    server.report = 3;
    const seen: string[] = [];
    const stop = source.watch?.((p) => seen.push(p.title));
    await until(() => seen.length === 1, 'the reload');
    assert.deepEqual(seen, ['v3']);
    stop?.();
  });
});
