// Name and version of the coding agent, as written into traces.
import { PACKAGE_JSON as pkg } from '../bundled-path.ts';

export const AGENT_INFO = Object.freeze({ name: 'ahe', version: pkg.version });
