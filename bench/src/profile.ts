import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageOf } from './bundles';
import { repoRelative } from './paths';
import { parseSourceMap, type SourceMapV3 } from './sourcemap';

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
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** From the first to the last sample, ms. */
  totalMs: number;
  /** Self time grouped by npm package (bundle code, through its source map) or by V8/Node category. */
  byOwner: ProfileShare[];
  /** The hottest functions by self time, named `function (source file)`. */
  topFunctions: ProfileShare[];
}

/** What a sample outside the bundle is spent on, in words a reader of RESULTS.md can act on. */
function categoryOf(frame: CallFrame): string {
  switch (frame.functionName) {
    case '(program)':
      return '(V8: parse/compile and native code)';
    case '(garbage collector)':
      return '(garbage collector)';
    case '(idle)':
      return '(idle: waiting on I/O)';
    case '(root)':
      return '(root)';
  }
  if (frame.url.startsWith('node:')) {
    const module = frame.url.replace(/^node:(internal\/)?/, '').split('/')[0] ?? frame.url;
    return `node:${module}`;
  }
  return frame.url === '' ? '(native)' : frame.url;
}

/**
 * Self time per owner of one `node --cpu-prof` profile of a bundle. The bundle is minified, so samples in it are
 * mapped back to their source file (and so their npm package) with the bundle's external source map.
 */
export async function summarizeProfile(profilePath: string, bundlePath: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as CpuProfile;
  const map = JSON.parse(await readFile(`${bundlePath}.map`, 'utf8')) as SourceMapV3;
  const lookup = parseSourceMap(map);
  const mapDir = dirname(bundlePath);

  const selfUs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index++) {
    // A sample stands for the interval until the next one.
    const duration = profile.timeDeltas[index + 1] ?? 0;
    const id = profile.samples[index] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
  }

  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const bundleUrl = pathToFileURL(bundlePath).href;
  let totalUs = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const frame = node.callFrame;
    let owner: string;
    let label: string;
    if (frame.url === bundleUrl) {
      const source = lookup.sourceAt(frame.lineNumber, frame.columnNumber);
      const path = source ? repoRelative(resolve(mapDir, source)) : '(unmapped bundle code)';
      owner = source ? packageOf(path) : path;
      label = `${frame.functionName || '(anonymous)'} (${path.replace(/^.*node_modules\//, '')})`;
    } else {
      owner = categoryOf(frame);
      label = frame.functionName ? `${frame.functionName} (${owner})` : owner;
    }
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    functions.set(label, (functions.get(label) ?? 0) + us);
  }

  const shares = (entries: Map<string, number>, count: number): ProfileShare[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / totalUs) * 1000) / 10 }));

  return {
    totalMs: Math.round(totalUs / 100) / 10,
    byOwner: shares(owners, 15),
    topFunctions: shares(functions, 12),
  };
}
