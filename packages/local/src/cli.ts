import { nodeVersionProblem, quietSdkNodeNotice } from './cli/node-version';

// Checked before anything else is loaded: on an old Node the dependencies would fail first, with a stack trace.
const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
quietSdkNodeNotice();
await import('./cli/main');
