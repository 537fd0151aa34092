import { startLocalRuntime } from '@toolgate/local/runtime';
const rt = await startLocalRuntime({ port: 0, quiet: true, keysDir: '/tmp/tg-keys-smoke', jobs: { visibilityTimeoutSeconds: 5, workerTimeoutMs: 3000, waitTimeSeconds: 0, pollIntervalMs: 20, batchWindowMs: 50 } });
try {
  const token = await rt.issuer.mintAccessToken({ sub: 'smoke-user', scopes: ['toolgate/jobs', 'toolgate/tools', 'toolgate/profile'] });
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const r = await fetch(`${rt.url}/jobs`, { method: 'POST', headers: { ...h, 'idempotency-key': 'smoke-key-0001' }, body: JSON.stringify({ prompt: 'find the cheapest gpu' }) });
  console.log(r.status, r.headers.get('location'), await r.text());
  const loc = r.headers.get('location');
  for (let i = 0; i < 50; i++) {
    const g = await fetch(`${rt.url}${loc}`, { headers: h });
    const j = await g.json() as any;
    if (j.status === 'SUCCEEDED' || j.status === 'FAILED') { console.log(JSON.stringify(j).slice(0, 1500)); break; }
    await new Promise((res) => setTimeout(res, 100));
  }
  const again = await fetch(`${rt.url}/jobs`, { method: 'POST', headers: { ...h, 'idempotency-key': 'smoke-key-0001' }, body: JSON.stringify({ prompt: 'find the cheapest gpu' }) });
  console.log('replay', again.status, again.headers.get('idempotent-replayed'));
  const diff = await fetch(`${rt.url}/jobs`, { method: 'POST', headers: { ...h, 'idempotency-key': 'smoke-key-0001' }, body: JSON.stringify({ prompt: 'other' }) });
  console.log('diff', diff.status, await diff.text());
  const list = await fetch(`${rt.url}/jobs`, { headers: h });
  console.log('list', list.status, (await list.text()).slice(0, 400));
  console.log(rt.jobs?.stats());
} finally { await rt.stop(); }
