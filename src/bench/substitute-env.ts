// `${VAR}` and `${VAR:-default}` in task env tables, filled from the host environment.

export function substituteEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_m, name: string, fallback?: string) => env[name] || fallback || '',
  );
}

export function substituteEnvTable(
  table: Record<string, string> | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  return Object.fromEntries(Object.entries(table ?? {}).map(([k, v]) => [k, substituteEnv(v, env)]));
}
