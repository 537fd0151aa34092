import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findRepoRoot } from '@toolgate/local/paths';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The README's "Add a route" section cannot rot: its code blocks (each opening with `// <path>`) are compiled
 * with the TypeScript compiler against the real sources, as files at those paths, wired the way the section says
 * (spread into `routes` and `routeDocs`). Without the docs entry the same program must not compile.
 */
const root = findRepoRoot();

function exampleFiles(): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Add a route\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Add a route" section');
  const files = new Map<string, string>();
  for (const [, code] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const path = /^\/\/ (\S+\.ts)/.exec(code ?? '')?.[1];
    if (!path) throw new Error(`A code block of "Add a route" does not start with its path:\n${code}`);
    files.set(resolve(root, path), code ?? '');
  }
  return files;
}

/** A real source file with `line` inserted after the first match of `anchor`, and `imports` on top. */
function wired(path: string, anchor: RegExp, line: string, imports: string): string {
  const source = readFileSync(join(root, path), 'utf8');
  if (!anchor.test(source)) throw new Error(`${path} no longer matches ${anchor}: update this test and the README`);
  return `${imports}\n${source.replace(anchor, (found) => `${found}\n  ${line}`)}`;
}

/** Where a path that may not exist yet really is (through the workspace's node_modules symlinks). */
function realPath(path: string): string {
  let existing = path;
  while (!existsSync(existing)) existing = dirname(existing);
  return join(realpathSync(existing), path.slice(existing.length));
}

function diagnostics(files: Map<string, string>): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options, true);
  const overlay = (path: string) => files.get(realPath(resolve(path)));
  const { fileExists, readFile, getSourceFile } = host;
  host.directoryExists = (path) =>
    [...files.keys()].some((file) => file.startsWith(`${realPath(resolve(path))}/`)) || ts.sys.directoryExists(path);
  host.fileExists = (path) => overlay(path) !== undefined || fileExists.call(host, path);
  host.readFile = (path) => overlay(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = overlay(path);
    return text === undefined
      ? getSourceFile.call(host, path, language, ...rest)
      : ts.createSourceFile(path, text, language);
  };
  const sources = [...files.keys()].filter((path) => path.endsWith('.ts'));
  const program = ts.createProgram(sources, options, host);
  return sources.flatMap((path) => {
    const file = program.getSourceFile(path);
    if (!file) return [`${path}: not part of the program`];
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
      (d) => `${basename(path)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
  });
}

/** The README's `exports` line(s), added to core's package.json. */
function withExports(files: Map<string, string>): void {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /^## Add a route\n[\s\S]*?```jsonc\n\/\/ packages\/core\/package\.json[^\n]*\n([\s\S]*?)```/m.exec(
    readme,
  )?.[1];
  if (!block) throw new Error('"Add a route" has no packages/core/package.json exports block');
  const path = join(root, 'packages/core/package.json');
  const pkg = JSON.parse(readFileSync(path, 'utf8')) as { exports: Record<string, string> };
  Object.assign(pkg.exports, JSON.parse(`{${block.trim()}}`));
  files.set(path, JSON.stringify(pkg));
}

function program(withDocs: boolean): Map<string, string> {
  const files = exampleFiles();
  files.set(
    join(root, 'packages/core/src/manifest/routes.ts'),
    wired(
      'packages/core/src/manifest/routes.ts',
      /export const routes = \{/,
      '...notesRoutes,',
      "import { notesRoutes } from './notes';",
    ),
  );
  if (withDocs) {
    files.set(
      join(root, 'packages/core/src/openapi/index.ts'),
      wired(
        'packages/core/src/openapi/index.ts',
        /export const routeDocs: RouteDocs = \{/,
        '...notesDocs,',
        "import { notesDocs } from './notes';",
      ),
    );
  } else {
    files.delete(join(root, 'packages/core/src/openapi/notes.ts'));
    files.set(
      join(root, 'packages/core/src/openapi/index.ts'),
      readFileSync(join(root, 'packages/core/src/openapi/index.ts'), 'utf8'),
    );
  }
  withExports(files);
  return files;
}

describe('README "Add a route"', () => {
  it('compiles against the real types: manifest entry, docs entry, feature folder, Hono adapter', () => {
    const files = exampleFiles();
    expect([...files.keys()].map((path) => path.slice(root.length + 1))).toEqual([
      'packages/core/src/notes/service.ts',
      'packages/core/src/manifest/notes.ts',
      'packages/core/src/openapi/notes.ts',
      'packages/functions/src/routes/notes.ts',
    ]);
    expect(diagnostics(program(true))).toEqual([]);
  }, 60_000);

  it('does not compile once the route has no docs entry', () => {
    expect(diagnostics(program(false))).toEqual([expect.stringMatching(/^index\.ts: Property 'noteGet' is missing/)]);
  }, 60_000);
});
