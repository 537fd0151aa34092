import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Supply chain (issue 9): the lockfile is committed and matches every workspace manifest, and nothing runs an
 * install script unless `pnpm-workspace.yaml` decided so by name. pnpm 10 already refuses unlisted build scripts;
 * this test makes a new dependency with one fail here, so that someone decides (allow or deny) in review instead of
 * the decision being the default. `pnpm audit --prod` is the third part: see the README's "Supply chain" section.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** `allowBuilds:` of pnpm-workspace.yaml: package name → allowed (true) or explicitly denied (false). */
function allowBuilds(): Map<string, boolean> {
  const decided = new Map<string, boolean>();
  let inside = false;
  for (const line of read('pnpm-workspace.yaml').split('\n')) {
    if (/^\S/.test(line)) inside = line.startsWith('allowBuilds:');
    else if (inside) {
      const match = /^\s+['"]?([^'":\s]+)['"]?:\s*(true|false)\s*$/.exec(line);
      if (match) decided.set(match[1] as string, match[2] === 'true');
    }
  }
  return decided;
}

/** The `importers:` section of pnpm-lock.yaml: importer → dependency name → specifier. */
function lockedImporters(): Map<string, Map<string, string>> {
  const importers = new Map<string, Map<string, string>>();
  let section = false;
  let importer: Map<string, string> | undefined;
  let dependency: string | undefined;
  for (const line of read('pnpm-lock.yaml').split('\n')) {
    if (/^\S/.test(line)) {
      section = line.startsWith('importers:');
      continue;
    }
    if (!section) continue;
    const top = /^ {2}(\S[^:]*):\s*$/.exec(line);
    if (top) {
      importer = new Map();
      importers.set(top[1] as string, importer);
      continue;
    }
    const name = /^ {6}'?([^':]+)'?:\s*$/.exec(line);
    if (name) dependency = name[1];
    const specifier = /^ {8}specifier:\s*(.+)$/.exec(line);
    if (specifier && importer && dependency) importer.set(dependency, (specifier[1] as string).replace(/^'|'$/g, ''));
  }
  return importers;
}

function workspaceManifests(): Map<string, Record<string, unknown>> {
  const manifests = new Map<string, Record<string, unknown>>([['.', JSON.parse(read('package.json'))]]);
  const folders = ['bench', 'tests', ...readdirSync(join(ROOT, 'packages')).map((name) => `packages/${name}`)];
  for (const folder of folders) {
    if (existsSync(join(ROOT, folder, 'package.json')))
      manifests.set(folder, JSON.parse(read(`${folder}/package.json`)));
  }
  return manifests;
}

const LIFECYCLE = ['preinstall', 'install', 'postinstall'] as const;

/** Installed packages that would run something at install time: a lifecycle script, or node-gyp (binding.gyp). */
function packagesWithInstallScripts(): Map<string, string> {
  const store = join(ROOT, 'node_modules', '.pnpm');
  const found = new Map<string, string>();
  for (const entry of readdirSync(store)) {
    const match = /^(@[^+]+\+)?([^@]+)@/.exec(entry);
    if (!match) continue;
    const name = `${match[1] ? match[1].replace('+', '/') : ''}${match[2]}`;
    const dir = join(store, entry, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    const scripts = LIFECYCLE.filter((hook) => manifest.scripts?.[hook]).map(
      (hook) => `${hook}: ${manifest.scripts?.[hook]}`,
    );
    if (existsSync(join(dir, 'binding.gyp'))) scripts.push('binding.gyp');
    if (scripts.length > 0) found.set(name, scripts.join('; '));
  }
  return found;
}

describe('supply chain', () => {
  it('pnpm-lock.yaml is committed', () => {
    const tracked = execFileSync('git', ['ls-files', '--', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(tracked.split('\n').filter(Boolean).sort()).toEqual(['pnpm-lock.yaml', 'pnpm-workspace.yaml']);
  });

  it('the lockfile matches every workspace package.json (what --frozen-lockfile would check)', () => {
    const locked = lockedImporters();
    const manifests = workspaceManifests();
    expect([...locked.keys()].sort()).toEqual([...manifests.keys()].sort());
    for (const [importer, manifest] of manifests) {
      const declared = new Map<string, string>();
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies'] as const) {
        for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
          declared.set(name, range);
        }
      }
      expect(Object.fromEntries(locked.get(importer) ?? []), importer).toEqual(Object.fromEntries(declared));
    }
  });

  it('only packages allowed by name in pnpm-workspace.yaml have install scripts, and the list has no stale entry', () => {
    const decided = allowBuilds();
    const withScripts = packagesWithInstallScripts();
    const undecided = [...withScripts].filter(([name]) => !decided.has(name));
    expect(undecided, 'add each to allowBuilds (true to run it, false to refuse it) after reviewing it').toEqual([]);
    const stale = [...decided.keys()].filter((name) => !withScripts.has(name));
    expect(stale, 'allowBuilds entries for packages that no longer install anything').toEqual([]);
    expect(read('pnpm-workspace.yaml')).not.toMatch(/dangerouslyAllowAllBuilds:\s*true/);
  });

  it('no workspace package runs a lifecycle script of its own on install', () => {
    for (const [folder, manifest] of workspaceManifests()) {
      const scripts = (manifest.scripts ?? {}) as Record<string, string>;
      for (const hook of [...LIFECYCLE, 'prepare', 'prepublish'])
        expect(scripts[hook], `${folder}: ${hook}`).toBeUndefined();
    }
  });
});
