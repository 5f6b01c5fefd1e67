// The resolve hook of preload.mjs: records the URL of every ES module (and CommonJS entry) imported.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (process.env.AHE_TEST_MODULE_LOG) appendFileSync(process.env.AHE_TEST_MODULE_LOG, `${result.url}\n`);
  return result;
}
