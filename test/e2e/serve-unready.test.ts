/**
 * End to end: a shop that stops answering while its process lives (SIGSTOP: the kernel still
 * accepts TCP connections on its socket) is not ready — serve re-checks a ready workload with a
 * TLS handshake, so the overview says `unready`, /readyz is degraded and holdfast_workload_up is 0,
 * without a restart — and it is ready again once it answers (SIGCONT).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Serve, serveGet } from '../harness/serve.js';
import { exampleState, type ExampleState } from './example-config.js';

interface Workload {
  name: string;
  state: string;
  pid?: number;
  restarts: number;
  message: string;
}

describe('serve re-checks a ready workload', { timeout: 300_000 }, () => {
  let ex: ExampleState;
  let serve: Serve;
  let stopped = 0;
  const get = (path: string) => serveGet(serve.url, path, { token: readFileSync(join(ex.dir, 'holdfast', 'api-token'), 'utf8').trim(), ca: readFileSync(join(ex.dir, 'holdfast', 'tls', 'ca.crt')) });
  const shop = async () => (JSON.parse((await get('/api/v1/overview')).text) as { workloads?: Workload[] }).workloads?.find((w) => w.name === 'shop');
  async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
    for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 250))) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; shop: ${JSON.stringify(await shop())}\n${serve.stderr.slice(-3000)}`);
    }
  }

  before(async () => {
    ex = await exampleState();
    serve = new Serve(ex.config, ex.env);
    await serve.start();
  });

  after(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    await serve?.stop();
    rmSync(ex.dir, { recursive: true, force: true });
  });

  it('a stopped (hung) shop is unready and degrades /readyz with its process alive; it is ready again when it answers', async () => {
    const ready = await until('the shop ready', async () => {
      const w = await shop();
      return w?.state === 'ready' && w;
    });
    assert.equal((await get('/readyz')).status, 200);
    stopped = ready.pid!;
    process.kill(stopped, 'SIGSTOP');
    const hung = await until('the hung shop unready', async () => {
      const w = await shop();
      return w?.state === 'unready' && w;
    });
    assert.equal(hung.pid, ready.pid, 'the same process: alive, not restarted');
    assert.equal(hung.restarts, 0);
    assert.match(hung.message, /not ready any more though process \d+ runs \(3 failed checks in a row\): 127\.0\.0\.1:\d+: no TLS handshake within/);
    const readyz = await get('/readyz');
    assert.equal(readyz.status, 503, readyz.text);
    assert.match(readyz.text, /degraded/);
    assert.match((await get('/metrics')).text, /holdfast_workload_up\{workload="shop"\} 0/);

    process.kill(stopped, 'SIGCONT');
    stopped = 0;
    const back = await until('ready again', async () => {
      const w = await shop();
      return w?.state === 'ready' && w;
    });
    assert.equal(back.pid, ready.pid);
    assert.equal((await get('/readyz')).status, 200);
  });
});
