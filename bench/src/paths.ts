import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Build output, profiles and scratch files (gitignored). */
export const OUT_DIR = fileURLToPath(new URL('../.out', import.meta.url));
export const RESULTS_MD = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
export const RESULTS_JSON = fileURLToPath(new URL('../results.json', import.meta.url));
/** The README's performance section with the latest figures, for the README to take over. */
export const README_SECTION = fileURLToPath(new URL('../README-section.md', import.meta.url));

/** Repo-relative, forward slashes: what the report prints. */
export function repoRelative(path: string): string {
  return path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path;
}
