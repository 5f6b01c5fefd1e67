// User errors get one clear line; only bugs get a stack trace.
import { UserError } from '../errors.ts';
import { createRedactor } from '../trace/redact.ts';

// File-system refusals caused by where the user pointed ahe (a read-only or full disk, a file where a
// directory belongs, no permission): the path says what to fix; a stack trace would not.
const PATH_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory, not a file',
  EEXIST: 'already exists (as a file where a directory was expected?)',
};

export function reportError(error: unknown, rawStream: NodeJS.WritableStream): number {
  // No message prints a secret: a value read from a secret-looking environment variable (e.g. an
  // experiment file's `model: ${OPENAI_API_KEY}`, echoed by the check that refuses it) or a key shape.
  const { redact } = createRedactor();
  const stream = { write: (text: string) => rawStream.write(redact(text)) };
  if (error instanceof UserError) {
    stream.write(`ahe: ${error.message}\n`);
    return error.exitCode;
  }
  const fsError = error as NodeJS.ErrnoException | undefined;
  if (fsError && typeof fsError.code === 'string' && typeof fsError.path === 'string' && PATH_ERRORS[fsError.code]) {
    stream.write(
      `ahe: cannot ${fsError.syscall ?? 'use'} ${fsError.path}: ${PATH_ERRORS[fsError.code]} (${fsError.code})\n`,
    );
    return 2;
  }
  stream.write(
    `ahe: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 70;
}
