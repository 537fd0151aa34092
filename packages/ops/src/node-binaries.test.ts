import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureNode } from './node-binaries';

/**
 * `ensureNode` against a fake `npm` first on PATH (no network): it installs a stand-in `node` that reports the
 * version it was installed as, slowly, and counts its calls. The tiers are packaged concurrently, so two callers
 * asking for the same binary at once must share one install — before, the second deleted the folder the first was
 * installing into (seen as a failed CI run: "mkdir … ENOENT").
 */
const FAKE_NPM = `#!/bin/sh
prefix=""; spec=""
while [ $# -gt 0 ]; do
  case "$1" in --prefix) prefix="$2"; shift 2;; --*) shift;; install) shift;; *) spec="$1"; shift;; esac
done
echo "$spec" >> "$NPM_CALLS"
sleep 0.3
package="\${spec%@*}"; version="\${spec##*@}"
mkdir -p "$prefix/node_modules/$package/bin"
printf '#!/bin/sh\\necho v%s\\n' "$version" > "$prefix/node_modules/$package/bin/node"
chmod +x "$prefix/node_modules/$package/bin/node"
`;

describe('ensureNode', () => {
  let dir: string;
  const previousPath = process.env.PATH;
  const previousCalls = process.env.NPM_CALLS;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolgate-node-binaries-'));
    await writeFile(join(dir, 'npm'), FAKE_NPM);
    await chmod(join(dir, 'npm'), 0o755);
    process.env.PATH = `${dir}:${previousPath}`;
    process.env.NPM_CALLS = join(dir, 'calls');
  });
  afterEach(async () => {
    process.env.PATH = previousPath;
    if (previousCalls === undefined) delete process.env.NPM_CALLS;
    else process.env.NPM_CALLS = previousCalls;
    await rm(dir, { recursive: true, force: true });
  });

  it('shares one install between concurrent callers, and both get the checked binary', async () => {
    const cache = join(dir, 'cache');
    const found = await Promise.all([ensureNode('24.22.3', cache), ensureNode('24.22.3', cache)]);
    expect(found.map((entry) => ('binary' in entry ? 'ok' : entry.error))).toEqual(['ok', 'ok']);
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toHaveLength(1);
    // Installed once, found again without npm.
    expect('binary' in (await ensureNode('24.22.3', cache))).toBe(true);
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('refuses a binary that reports another version on every call, never falling back to it', async () => {
    await writeFile(join(dir, 'npm'), FAKE_NPM.replace(/version="\$\{spec##\*@\}"/, 'version="0.0.1"'));
    const cache = join(dir, 'cache');
    const found = await ensureNode('22.23.5', cache);
    expect('error' in found && found.error).toMatch(/expected Node v22\.23\.5, the binary reports v0\.0\.1/);
    expect('error' in (await ensureNode('22.23.5', cache))).toBe(true);
    expect((await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
