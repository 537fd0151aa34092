import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const APP_DIR = join(import.meta.dirname, 'app');

/**
 * The console's page, script and style. The script is the Preact app in `app/`, bundled by esbuild in memory on
 * first use (about a tenth of a second, once per process): nothing is committed or written to disk, and `pnpm dev`
 * does not wait for it (`prewarm` starts it shortly after the runtime is up).
 */
export function consoleAssets() {
  let script: Promise<string> | undefined;
  let style: Promise<string> | undefined;
  const bundle = async () => {
    // Loaded on first use, off the start path.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(APP_DIR, 'main.tsx')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      jsx: 'automatic',
      jsxImportSource: 'preact',
      legalComments: 'none',
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  };
  return {
    script(): Promise<string> {
      script ??= bundle().catch((error: unknown) => {
        script = undefined;
        throw error;
      });
      return script;
    },
    style(): Promise<string> {
      style ??= readFile(join(APP_DIR, 'console.css'), 'utf8');
      return style;
    },
    html(): string {
      return [
        '<!doctype html>',
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<title>toolgate console</title>',
        '<link rel="icon" href="data:,">',
        '<link rel="stylesheet" href="/_console/app.css">',
        '<script type="module" src="/_console/app.js"></script>',
        '</head><body><div id="app"></div></body></html>',
      ].join('');
    },
  };
}
