// A URL as ahe prints or records it: credentials in it (`user:password@`, or a token as the user name)
// are masked, so no error message, log or trace file carries them.

/** `url` with its user name and password, if any, masked as `***`. Text that is not a URL is returned as is. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // A user name alone is often a token (`https://TOKEN@host`).
    if (u.username && !u.password) u.username = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
