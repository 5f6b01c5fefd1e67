// Task names come from task directories and from other tools' result files: they may hold slashes,
// `..`, spaces or anything else. A detail file's name keeps the readable safe characters; a name that
// had to change gets a short hash of the original, so two tasks never share a file.
import { createHash } from 'node:crypto';

const MAX_NAME = 100;

export function detailFileName(task: string): string {
  const cleaned =
    task
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, MAX_NAME) || 'task';
  if (cleaned === task) return `${cleaned}.md`;
  return `${cleaned}-${createHash('sha256').update(task).digest('hex').slice(0, 8)}.md`;
}

/** The detail file of a task, relative to the report directory (as links and report.json name it). */
export const detailPath = (task: string) => `detail/${detailFileName(task)}`;
