import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageOf } from './bundles';
import { repoRelative } from './paths';
import { parseSourceMap, type SourceLookup, type SourceMapV3 } from './sourcemap';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Ticks per source line (1-based) of this function, when V8 recorded them. */
  positionTicks?: { line: number; ticks: number }[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  /** Percent of all sampled time. */
  share: number;
}

export interface ProfileSummary {
  /** The Node the profiled process ran and how it was started (absent in results written before it was recorded). */
  runtime?: string;
  /** From the first to the last sample, ms. */
  totalMs: number;
  /** Self time grouped by npm package (bundle code, through its source maps) or by V8/Node category. */
  byOwner: ProfileShare[];
  /** The hottest functions by self time. */
  topFunctions: ProfileShare[];
}

/** What a sample outside the bundle is spent on, in words a reader of RESULTS.md can act on. */
function categoryOf(frame: CallFrame): string {
  switch (frame.functionName) {
    case '(program)':
      return '(V8: native work outside JS)';
    case '(garbage collector)':
      return '(garbage collector)';
    case '(idle)':
      return '(idle: waiting on I/O)';
    case '(root)':
      return '(root)';
  }
  if (frame.functionName === 'compileSourceTextModule') return '(V8: parse and compile modules)';
  if (frame.url.startsWith('node:')) {
    const module = frame.url.replace(/^node:(internal\/)?/, '').split('/')[0] ?? frame.url;
    return module === 'deps' ? 'node:deps (undici: Request/Response, fetch)' : `node:${module}`;
  }
  return frame.url === '' ? `(native: ${frame.functionName || 'anonymous'})` : frame.url;
}

/**
 * Self time per owner in one `node --cpu-prof` profile of a bundle. Bundle samples are mapped to their source file
 * (and so npm package) through the bundle's source maps; samples in a module's top-level code (where a bundle
 * evaluates every package it inlines) are split by line ticks, which needs a build that keeps line breaks.
 */
export async function summarizeProfile(profilePath: string, bundleDir: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as CpuProfile;
  const lookups = new Map<string, SourceLookup | null>();
  const lookupOf = async (url: string): Promise<SourceLookup | null> => {
    if (!lookups.has(url)) {
      const file = url.startsWith('file:') ? fileURLToPath(url) : '';
      const inBundle = file.startsWith(bundleDir) && existsSync(`${file}.map`);
      lookups.set(
        url,
        inBundle ? parseSourceMap(JSON.parse(await readFile(`${file}.map`, 'utf8')) as SourceMapV3) : null,
      );
    }
    return lookups.get(url) ?? null;
  };
  const ownerOfSource = (url: string, source: string | null) =>
    source ? packageOf(repoRelative(resolve(dirname(fileURLToPath(url)), source))) : '(bundle code, unmapped)';

  const selfUs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    // A sample stands for the interval until the next one.
    const id = profile.samples[index] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
  }

  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const frame = node.callFrame;
    const lookup = await lookupOf(frame.url);
    if (!lookup) {
      const owner = categoryOf(frame);
      add(owners, owner, us);
      add(functions, frame.functionName ? `${frame.functionName} (${owner})` : owner, us);
      continue;
    }
    const owner = ownerOfSource(frame.url, lookup.sourceAt(frame.lineNumber, frame.columnNumber));
    add(functions, `${frame.functionName || '(module top level)'} (${owner})`, us);
    const ticks = node.positionTicks ?? [];
    const totalTicks = ticks.reduce((sum, tick) => sum + tick.ticks, 0);
    if (totalTicks === 0) {
      add(owners, owner, us);
      continue;
    }
    for (const tick of ticks) {
      add(owners, ownerOfSource(frame.url, lookup.sourceOnLine(tick.line - 1)), (us * tick.ticks) / totalTicks);
    }
  }

  const shares = (entries: Map<string, number>, count: number): ProfileShare[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / totalUs) * 1000) / 10 }));

  return {
    totalMs: Math.round(totalUs / 100) / 10,
    byOwner: shares(owners, 15),
    topFunctions: shares(functions, 10),
  };
}
