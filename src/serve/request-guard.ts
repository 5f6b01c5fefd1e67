// What every answer of `ahe serve` carries and what every request must pass: only GET and HEAD (the
// server is read-only), and a Host header naming this machine, so a web page whose DNS name was rebound
// to 127.0.0.1 cannot read the served data through the visitor's browser.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

/** Answers of the API: nothing in them may run or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers sent with every answer. */
export function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** True for an address of this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** IPv6 literals appear in a Host header in brackets. */
const asHostName = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();

/**
 * The host names a request may carry: the loopback names, the bound host, and, when bound to every
 * interface (0.0.0.0 or ::), this machine's name and addresses.
 */
export function acceptedHostNames(boundHost: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', asHostName(boundHost)]);
  if (WILDCARDS.has(boundHost)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces()))
      for (const address of list ?? []) names.add(asHostName(address.address.split('%')[0]!));
  }
  return names;
}

/** The host name of a Host header without its port ('[::1]:8080' → '[::1]'); undefined when malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(:\d{1,5})?$/.exec(header.trim());
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Why a request is refused before routing, with its status; undefined when it may proceed. */
export function refusal(req: IncomingMessage, accepted: Set<string>): { status: number; error: string } | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return { status: 405, error: `${req.method} is not allowed: ahe serve is read-only (GET and HEAD only)` };
  const name = hostNameOf(req.headers.host);
  if (!name || !accepted.has(name))
    return {
      status: 403,
      error: 'Host header not accepted: open the URL ahe serve printed (a guard against DNS rebinding)',
    };
  return undefined;
}
