/**
 * The Node.js versions toolgate's local tools run on (the root package.json's `engines`, checked by a test). Older
 * ones fail deep inside a dependency with a stack trace that names neither Node nor the version, so the CLI checks
 * first and says it in one line.
 */
export const MIN_NODE = { major: 20, minor: 19 } as const;

/** The one-line refusal for `version` (e.g. `20.18.1`), or null when it is recent enough. */
export function nodeVersionProblem(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MIN_NODE.major || (major === MIN_NODE.major && minor >= MIN_NODE.minor)) return null;
  return `toolgate needs Node.js ${MIN_NODE.major}.${MIN_NODE.minor} or newer; this is ${version} (see "engines" in package.json)`;
}

/**
 * The AWS SDK prints a 9-line notice on Node 20 that its releases after January 2027 need Node 22, on every
 * process start. The local tools say it once, in one line, in the `pnpm dev` banner instead.
 */
export function quietSdkNodeNotice(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export function sdkNodeNotice(version: string): string | null {
  const major = Number(version.split('.')[0]);
  return major < 22
    ? `note: Node ${version}; AWS SDK releases after January 2027 need Node 22 (Lambda runs 22/24)`
    : null;
}
