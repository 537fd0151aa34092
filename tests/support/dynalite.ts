import { type DynaliteTable, startDynaliteTable } from '@toolgate/local/testing/dynalite';
import { afterAll, beforeAll } from 'vitest';

/** dynalite and the table for this file's tests, which keep apart by unique ids, not by tables. */
export function useDynaliteTable(): () => DynaliteTable {
  let table: DynaliteTable | undefined;
  beforeAll(async () => {
    table = await startDynaliteTable();
  });
  afterAll(async () => {
    await table?.stop();
  });
  return () => {
    if (!table) throw new Error('dynalite is not started yet');
    return table;
  };
}
