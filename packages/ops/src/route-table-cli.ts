import { readFile, writeFile } from 'node:fs/promises';
import { manifest } from '@toolgate/core/manifest';
import { renderRouteTable, replaceRouteTable } from './route-table';

const readmeUrl = new URL('../../../README.md', import.meta.url);
const readme = await readFile(readmeUrl, 'utf8');
await writeFile(readmeUrl, replaceRouteTable(readme, renderRouteTable(manifest)));
process.stderr.write('README.md route table updated from the manifest\n');
