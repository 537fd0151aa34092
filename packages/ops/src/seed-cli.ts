// The same loader and writer the local runtime seeds its emulator with, so both stores get identical items.
import { loadCatalogFixture, seedCatalog } from '@toolgate/core/catalog/seed';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { parseArgs, requireRegion, stageArg, stringArg, UsageError } from './args';
import { planSeed } from './seed';

const USAGE =
  'usage: pnpm seed --stage <stage> [--table <name>] [--fixture <catalog.json>] [--allow-protected]\n' +
  '       (uses your AWS credentials and region; writes with BatchWriteItem)';

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['allow-protected']);
  const plan = planSeed(stageArg(args), {
    table: stringArg(args, 'table'),
    allowProtected: args.has('allow-protected'),
  });
  const fixture = stringArg(args, 'fixture');
  const products = await loadCatalogFixture(...(fixture ? [fixture] : []));
  const doc = createDocumentClient();
  await requireRegion(doc);
  const written = await seedCatalog(doc, plan.table, products);
  console.log(`Seeded ${written} products into ${plan.table} (stage ${plan.stage}).`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(
    error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error,
  );
  process.exit(error instanceof UsageError ? 2 : 1);
});
