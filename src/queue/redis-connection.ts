// One Redis connection from a --queue URL, checked before anything is enqueued or processed, so an
// unreachable or wrong URL is one clear line naming it.
import { Redis } from 'ioredis';
import { displayUrl } from '../display-url.ts';
import { UserError } from '../errors.ts';

export { displayUrl };

export function parseQueueUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`--queue ${url}: not a URL (expected redis://HOST:PORT)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new UserError(`--queue ${url}: expected a redis:// or rediss:// URL`);
  return parsed;
}

/** Connects (BullMQ needs maxRetriesPerRequest: null) and PINGs; throws a UserError naming the URL. */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  parseQueueUrl(url);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  let lastError: Error | undefined;
  let failFast: ((error: Error) => void) | undefined;
  // Later errors (a connection lost mid-run) are retried by ioredis; the first one fails the start.
  redis.on('error', (error: Error) => {
    lastError = error;
    failFast?.(error);
  });
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        failFast = reject;
        setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref();
      }),
    ]);
    failFast = undefined;
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    throw new UserError(
      `cannot reach Redis at ${displayUrl(url)}: ${reason} (is redis-server running there? see docs/scale.md)`,
    );
  }
  return redis;
}
