import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INDEX_PARTITION, indexKeys, keys, PARTITION, SINGLE_ITEM, USER_ITEM } from './keys';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** No value is a prefix of another: a `begins_with` on one kind could otherwise return items of another. */
function overlaps(values: readonly string[]): string[] {
  return values.flatMap((a) => values.filter((b) => a !== b && b.startsWith(a)).map((b) => `${a} ⊂ ${b}`));
}

describe('single-table keys', () => {
  it('no prefix is a prefix of another, in each key space', () => {
    expect(overlaps(Object.values(PARTITION))).toEqual([]);
    expect(overlaps(Object.values(USER_ITEM))).toEqual([]);
    expect(overlaps(Object.values(INDEX_PARTITION))).toEqual([]);
    expect(new Set(Object.values(SINGLE_ITEM)).size).toBe(Object.values(SINGLE_ITEM).length);
  });

  it('the check above would catch an overlap', () => {
    expect(overlaps(['JOB#', 'JOB#SLOT#', 'X'])).toEqual(['JOB# ⊂ JOB#SLOT#']);
  });

  it('builds the keys the table holds today (changing one orphans every stored item)', () => {
    expect(keys.userProfile('u')).toEqual({ pk: 'USER#u', sk: 'PROFILE' });
    expect(keys.requestCounter('u', 'chat', '2031-05-15T12:00')).toEqual({
      pk: 'USER#u',
      sk: 'LIMIT#REQ#chat#2031-05-15T12:00',
    });
    expect(keys.tokenCounter('u', '2031-05')).toEqual({ pk: 'USER#u', sk: 'LIMIT#TOKENS#2031-05' });
    expect(keys.jobUsage('u', 'j')).toEqual({ pk: 'USER#u', sk: 'USAGE#JOB#j' });
    expect(keys.jobSlot('u', 3)).toEqual({ pk: 'USER#u', sk: 'JOBSLOT#0003' });
    expect(keys.conversation('u', 'c')).toEqual({ pk: 'USER#u', sk: 'CONV#c' });
    expect(keys.upload('u', 'x')).toEqual({ pk: 'USER#u', sk: 'UPLOAD#x' });
    expect(keys.job('j')).toEqual({ pk: 'JOB#j', sk: 'JOB' });
    expect(keys.product('p')).toEqual({ pk: 'PRODUCT#p', sk: 'PRODUCT' });
    expect(keys.idempotency('u', 'k')).toEqual({ pk: 'IDEMP#u#k', sk: 'IDEMP' });
    expect(keys.stripeEvent('evt')).toEqual({ pk: 'STRIPE_EVENT#evt', sk: 'EVENT' });
    expect(keys.stripeCustomer('cus')).toEqual({ pk: 'STRIPE_CUSTOMER#cus', sk: 'CUSTOMER' });
    expect(indexKeys.catalog('gpu', 'p')).toEqual({ gsi1pk: 'CATALOG', gsi1sk: 'gpu#p' });
    expect(indexKeys.ownerJobs('u', 't', 'j')).toEqual({ gsi1pk: 'JOBS#u', gsi1sk: 't#j' });
    expect(indexKeys.documents('u', 't', 'x')).toEqual({ gsi1pk: 'DOCS#u', gsi1sk: 't#x' });
  });

  it('no other source file spells a key: every repository builds them here', () => {
    const prefixes = [...Object.values(PARTITION), ...Object.values(USER_ITEM), ...Object.values(INDEX_PARTITION)]
      .filter((value) => value.endsWith('#'))
      .map((value) => value.replace(/[#]/g, '\\#'));
    const literal = new RegExp(`['"\`](?:${prefixes.join('|')})|['"\`](?:PROFILE|CATALOG)['"\`]`);
    const offenders = ['packages/core/src', 'packages/functions/src', 'packages/local/src', 'packages/ops/src']
      .flatMap(sources)
      .filter((path) => path !== join('packages/core/src/data/keys.ts'))
      .flatMap((path) =>
        readFileSync(join(ROOT, path), 'utf8')
          .split('\n')
          .map((line, index) => ({ line: line.replace(/^\s*(\*|\/\/).*$/, ''), at: `${path}:${index + 1}` }))
          .filter(({ line }) => literal.test(line))
          .map(({ at }) => at),
      );
    expect(offenders).toEqual([]);
  });
});
