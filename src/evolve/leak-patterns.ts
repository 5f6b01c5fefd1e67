// What counts as a distinctive string of a task, and what is too generic to count. Shared by the leak
// index (extracting from tasks) and the audit (reading added lines), so both sides tokenise alike.
// The lists are small on purpose: anything shared by several training tasks is generic by frequency
// (see leak-index.ts); these cover what a single task can still contain that is everyday vocabulary.

/** Lowercase, whitespace collapsed, trimmed: the form every text comparison uses. */
export const normalise = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Words for n-grams: runs of ASCII letters and digits, lowercased (`case-insensitively` → case, insensitively). */
export const wordsOf = (s: string) => s.toLowerCase().match(/[a-z0-9]+/g) ?? [];

const STOPWORDS = new Set(
  (
    'a about above after again all also an and any are as at be because been before being below between both but by can could did do does ' +
    'doing done down during each either else every few for from further had has have having here how if in into is it its itself just ' +
    'least less like made make many may might more most much must no nor not now of off on once one only or other our out over own per ' +
    'same say says should so some such than that the their them then there these they this those through to too two under until up upon ' +
    'use used uses using very was way we were what when where whether which while who whose why will with within without would yet you your'
  ).split(' '),
);

/** A word that carries meaning (not a function word, at least 3 letters): n-grams need several. */
export const isContentWord = (w: string) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w);

/** First words of a command line: a quoted command is how-to, not task content (its paths are still checked). */
const COMMANDS = new Set(
  (
    'apt apt-get awk bash cargo cat cc cd chmod chown clang cmake cp curl diff docker echo env export find g++ gcc git go grep gunzip gzip head jq kill ' +
    'less ln ls make mkdir mv node npm npx perl php pip pip3 pkill printf ps pytest python python3 rm rmdir ruby rustc sed sh sleep sort ' +
    'sqlite3 ssh stat sudo tail tar tee test timeout touch tr uniq unzip wc wget which xargs yarn zip'
  ).split(' '),
);
export const isCommandLike = (s: string) => {
  const first =
    s
      .trim()
      .replace(/^\$\s*/, '')
      .split(/\s+/)[0]
      ?.toLowerCase() ?? '';
  return COMMANDS.has(first) || s.trim().startsWith('$ ');
};

/** Directories every task shares (the sandbox layout, system directories): a path under them says nothing about a task. */
const GENERIC_ROOTS = new Set([
  'usr',
  'bin',
  'sbin',
  'lib',
  'lib64',
  'dev',
  'proc',
  'sys',
  'logs',
  'tests',
  'tmp',
  'opt',
  'run',
]);
const GENERIC_PATHS = new Set([
  '/app',
  '/etc/hosts',
  '/etc/passwd',
  '/etc/os-release',
  '/etc/resolv.conf',
  '/root',
  '/home',
]);
const GENERIC_APP_DIRS = new Set([
  'src',
  'test',
  'tests',
  'build',
  'lib',
  'bin',
  'dist',
  'out',
  'docs',
  'data',
  'output',
]);

/**
 * A path every task could name: one component (`/app`, `/.env`, `/login` — in logs these are URL paths),
 * under a system or sandbox directory (/usr, /tmp, /tests, /logs…), a well-known file, or a usual project
 * directory right under /app (/app/src, /app/tests…).
 */
export function isGenericPath(path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  if (parts.length <= 1 || GENERIC_PATHS.has(path) || GENERIC_ROOTS.has(parts[0]!)) return true;
  return parts[0] === 'app' && parts.length === 2 && GENERIC_APP_DIRS.has(parts[1]!);
}

/** Extensions that make a token a file name. */
export const FILE_EXTENSIONS =
  'py|sh|bash|c|h|cc|cpp|hpp|js|mjs|cjs|ts|json|jsonl|csv|tsv|txt|md|log|yaml|yml|toml|ini|cfg|conf|sql|db|sqlite|env|jobs|html|xml|go|rs|java|rb|pl|mk|gz|tgz|tar|zip|jpg|jpeg|png|gif|out|lock|so|diff|patch|pem|key|rst';

const GENERIC_FILENAMES = new Set(
  (
    'readme.md makefile package.json package-lock.json pyproject.toml requirements.txt setup.py setup.cfg main.c main.py main.go main.rs ' +
    'index.js index.ts __init__.py conftest.py test.sh solve.sh run-tests.sh reward.txt reward.json config.json config.yaml config.yml ' +
    'settings.json tsconfig.json cargo.toml go.mod app.py app.js server.py server.js test.py tests.py output.txt input.txt data.csv ' +
    'data.json result.json results.json report.json .gitignore .env ctrf.json test-stdout.txt notes.md notes.txt todo.txt ' +
    'archive.tar.gz archive.zip backup.tar.gz access.log error.log app.log server.log build.log output.log auth.log syslog.log ' +
    'stdio.h stdlib.h string.h stdint.h stdbool.h stddef.h math.h unistd.h errno.h ctype.h limits.h assert.h time.h'
  ).split(' '),
);
export const isGenericFilename = (name: string) => GENERIC_FILENAMES.has(name.toLowerCase());

/** Tokens with digits, underscores or separators that are everyday vocabulary, not data. */
const GENERIC_TOKENS = new Set(
  (
    'python3 python2 utf-8 utf8 utf_8 utf-16 ascii x86_64 amd64 arm64 aarch64 sha1 sha256 sha512 md5 base64 ipv4 ipv6 http/1.1 http/2 ' +
    'key=value name=value snake_case camel_case screaming_snake_case std::string std::vector 0.0.0.0 127.0.0.1 localhost:8080 ' +
    'iso-8601 iso8601 rfc3339 rfc-3339 utc+0 utf-8-sig table_info group_concat last_insert_rowid json_extract json_object ' +
    'json_array row_number foreign_keys journal_mode user_version sqlite_master sqlite_schema current_timestamp current_date'
  ).split(' '),
);
export const isGenericToken = (token: string) => GENERIC_TOKENS.has(token.toLowerCase());

/** Well-known numbers: ports, time constants, sizes, limits. */
const GENERIC_NUMBERS = new Set(
  (
    '1440 3600 86400 604800 1080 1234 12345 1200 3306 5432 6379 8080 8443 8888 9000 9090 9200 11211 27017 65535 65536 9999 99999 ' +
    '1024 2048 4096 8192 16384 32768 131072 262144 524288 1048576 2147483647 4294967295'
  ).split(' '),
);

/**
 * Digits of a number literal that carry its value: leading zeros and trailing zeros after the point are
 * formatting (`0.005` has 1, `120.00` has 3, `1140.00` has 4, `1234.50` has 5).
 */
export const significantDigits = (n: string) =>
  (n.includes('.') ? n.replace(/0+$/, '') : n).replace(/\D/g, '').replace(/^0+/, '').length;

/**
 * A number that says nothing about a task: a year (1900–2099), a round integer (at most two leading
 * significant digits then zeros: 1000, 1500, 30000), a power of two, a common port or time constant.
 * Decimals are never generic by shape (1140.00 is an expected price, not a limit).
 */
export function isGenericNumber(n: string): boolean {
  if (n.includes('.')) return false;
  if (GENERIC_NUMBERS.has(n)) return true;
  const v = Number(n);
  if (v >= 1900 && v <= 2099) return true;
  if (/^[1-9]\d?0+$/.test(n)) return true;
  return Number.isSafeInteger(v) && v > 0 && (v & (v - 1)) === 0;
}

/** Number literals, thousands separators removed (`1,234.50` → `1234.50`); version strings and IPs are not numbers. */
export function numbersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|[.,]\d)/g))
    out.push(m[0].replace(/,/g, ''));
  return out;
}

/** A number of at least four significant digits that is not generic: a candidate expected output. */
export const isDistinctiveNumber = (n: string) => significantDigits(n) >= 4 && !isGenericNumber(n);
