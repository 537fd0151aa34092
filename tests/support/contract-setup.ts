import { appendFileSync } from 'node:fs';
import { afterAll, expect } from 'vitest';
import { contractTally } from './contract';

/**
 * Every end-to-end test file: fail the file if any answer its runtime gave differs from the OpenAPI document
 * (`contract.ts`). TOOLGATE_CONTRACT_TALLY names a file that collects one JSON line per test file, for counting.
 */
afterAll(() => {
  const tallyFile = process.env.TOOLGATE_CONTRACT_TALLY;
  if (tallyFile) {
    const file = expect.getState().testPath ?? 'unknown';
    const { checked, mismatches } = contractTally;
    appendFileSync(tallyFile, `${JSON.stringify({ file, checked, mismatches: mismatches.length })}\n`);
  }
  if (contractTally.mismatches.length > 0) {
    const list = contractTally.mismatches.map((mismatch) => `  - ${mismatch}`).join('\n');
    throw new Error(`The OpenAPI document differs from what the server answered:\n${list}`);
  }
});
