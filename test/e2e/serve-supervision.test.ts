/**
 * End to end: `holdfast serve` (the real CLI, as child processes) running the example shop, and
 * the ways it could leave the shop dead while saying all is fine:
 * - a second serve on the same data directory (same address, or another one it is then stopped
 *   on) must refuse at once and leave the first one's shop alone;
 * - a deploy through serve (examples/shop/deploy.sh) is a planned restart: no alert, /readyz never
 *   degraded, the new version recorded — while a shop killed from outside must show as down
 *   within seconds (overview, /readyz, metric, alert) and come back ready by itself;
 * - serve restarted while the certificate is due must not signal the shop before it is ready
 *   (SIGHUP before its handler is installed kills it), and the renewal completes once it is;
 * - a serve killed with SIGKILL leaves its lock behind: the next one takes it over and adopts the
 *   shop that kept running.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Serve, serveGet } from '../harness/serve.js';
import { deadPort, WebhookReceiver } from '../harness/webhook.js';

const root = new URL('../../', import.meta.url).pathname;

interface Workload {
  name: string;
  state: string;
  up: boolean;
  pid?: number;
  restarts: number;
  message: string;
  lastExit?: { code: number | null; signal: string | null };
}

describe('serve supervises the shop and owns its data directory alone', { timeout: 300_000 }, () => {
  let tmp: string;
  let config: string;
  let writeConfig: (start: string) => void;
  let env: NodeJS.ProcessEnv;
  let serve: Serve;
  let hook: WebhookReceiver;
  let shopPort: number;
  const auth = () => ({
    token: readFileSync(join(tmp, 'holdfast', 'api-token'), 'utf8').trim(),
    ca: readFileSync(join(tmp, 'holdfast', 'tls', 'ca.crt')),
  });
  const get = (path: string) => serveGet(serve.url, path, auth());
  const json = async <T>(path: string): Promise<T> => {
    const r = await get(path);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.text}`);
    return JSON.parse(r.text) as T;
  };
  const shopWorkload = async () => (await json<{ workloads?: Workload[] }>('/api/v1/overview')).workloads?.find((w) => w.name === 'shop');
  const shopPid = () => Number(readFileSync(join(tmp, 'holdfast', 'services', 'shop.pid'), 'utf8').split(/\s+/)[0]);
  /** The shop's own health endpoint over its TLS, trusting Holdfast's CA: its serial, or false (the reason kept in `shopError`). */
  let shopError = '';
  const shopServes = async () => {
    try {
      const r = await serveGet(`https://127.0.0.1:${shopPort}`, '/healthz', { token: '', ca: readFileSync(join(tmp, 'shop', 'certs', 'ca.crt')) });
      shopError = `HTTP ${r.status}`;
      return r.status === 200 ? (JSON.parse(r.text) as { serial: string }).serial : false;
    } catch (e) {
      shopError = e instanceof Error ? e.message : String(e);
      return false;
    }
  };

  async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await f();
        if (v !== undefined && v !== false) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms (${last instanceof Error ? last.message : 'condition false'})\n${serve.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'holdfast-supervise-'));
    hook = new WebhookReceiver();
    const hookUrl = await hook.start();
    const port = await deadPort();
    shopPort = await deadPort();
    const st = (p: string) => join(tmp, p);
    config = st('holdfast.yaml');
    writeConfig = (start: string) => writeFileSync(
      config,
      `version: 1
server: { listen: "127.0.0.1:${port}", dataDir: ${st('holdfast')} }
volumes:
  shop-data: { path: ${st('shop/data')}, create: true }
workloads:
  shop:
    volumes: [shop-data]
    start: ${start}
    reload: kill -HUP "$HOLDFAST_SERVICE_PID"
    cwd: ${join(root, 'examples', 'shop')}
certificates:
  shop-tls:
    commonName: shop.local
    dnsNames: [shop.local, localhost]
    ipAddresses: [127.0.0.1]
    certFile: ${st('shop/certs/tls.crt')}
    keyFile: ${st('shop/certs/tls.key')}
    caFile: ${st('shop/certs/ca.crt')}
    validity: 20s
    renewBefore: 15s
    schedule: "*/2 * * * * *"
    endpoint: "127.0.0.1:${shopPort}"
    workload: shop
alerts:
  webhooks: [{ name: receiver, url: "${hookUrl}", backoff: 200ms }]
`,
    );
    writeConfig('sh run-shop.sh');
    env = { ...process.env, SHOP_STATE: st('shop'), SHOP_PORT: String(shopPort), HOLDFAST_LOG_LEVEL: 'info' };
    serve = new Serve(config, env);
    await serve.start();
  });

  after(async () => {
    await serve?.stop();
    try {
      process.kill(shopPid(), 'SIGKILL');
    } catch {
      // stopped by serve, as it should be
    }
    await hook?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a second serve on the same data directory, at once, and leaves the first one\'s shop running', { timeout: 120_000 }, async () => {
    await until('the shop answering', shopServes);
    const pid = shopPid();
    const second = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin/holdfast.js'), 'serve', '--config', config, ...args], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    // The same address: today it failed on the busy port, and stopped the shop on its way out.
    const same = second();
    assert.equal(same.status, 6, `refused with the conflict exit code: ${same.stderr}`);
    assert.match(same.stderr.trim(), new RegExp(`^holdfast: data directory in use by holdfast serve pid ${serve.child!.pid} \\(${serve.url.replace(/[.]/g, '\\.')}, since `));
    assert.equal(same.stderr.trim().split('\n').length, 1, 'one line');
    // Another address: today it ran beside the first one, and stopped the shop when it was stopped (here: the timeout).
    const other = second('--listen', `127.0.0.1:${await deadPort()}`);
    assert.equal(other.status, 6, `refused at once, not run until stopped: ${other.stderr}`);
    assert.match(other.stderr, /data directory in use by holdfast serve pid/);
    // A handshake may meet the shop mid-reload of its 20-second certificate: a few tries, then the proof that nobody touched it.
    await until('the first serve\'s shop still answering', shopServes, 10_000).catch((e: Error) => assert.fail(`${e.message}: ${shopError}`));
    assert.equal(shopPid(), pid, 'the same shop process: nobody stopped or restarted it');
    const w = await until('the shop ready in the overview', async () => {
      const s = await shopWorkload();
      return s?.state === 'ready' && s;
    });
    assert.equal(w.pid, pid);
    assert.equal(w.restarts, 0);
  });

  it('deploys v2 through serve (examples/shop/deploy.sh): a planned restart, not an outage — no alert, /readyz never degraded — and v2 recorded as deployed', { timeout: 120_000 }, async () => {
    await until('the shop ready', async () => (await shopWorkload())?.state === 'ready');
    const pid = shopPid();
    const v2 = readFileSync(join(root, 'examples/shop/releases/v2/commit'), 'utf8').trim();
    const alertsBefore = hook.received.length;
    // Watch while it deploys: a stop behind serve's back showed as a workload-down alert and /readyz 503.
    const seen = new Set<string>();
    const degraded: string[] = [];
    let deploying = true;
    const watch = (async () => {
      while (deploying) {
        const [w, ready] = await Promise.all([shopWorkload(), serveGet(serve.url, '/readyz', auth())]);
        if (w) seen.add(w.state);
        if (ready.status !== 200) degraded.push(`${w?.state}: ${ready.text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const deploy = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn('sh', [join(root, 'examples/shop/deploy.sh'), 'v2'], { cwd: root, env: { ...env, HOLDFAST_DATA_DIR: join(tmp, 'holdfast') }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.setEncoding('utf8').on('data', (x: string) => (out += x));
      c.stderr.setEncoding('utf8').on('data', (x: string) => (out += x));
      c.once('exit', (code) => resolve({ code, out }));
    });
    deploying = false;
    await watch;
    assert.equal(deploy.code, 0, deploy.out);
    assert.match(deploy.out, new RegExp(`shop runs v2 \\(commit ${v2}\\), deployed by holdfast serve`));
    assert.ok(seen.has('deploying'), `the overview showed the planned restart: saw ${[...seen].join(', ')}`);
    assert.deepEqual(degraded, [], '/readyz stayed ready through the deploy');
    const w = (await shopWorkload())! as Workload & { lastDeploy?: { version?: { commit?: string } } };
    assert.equal(w.state, 'ready', 'answered only once v2 is ready');
    assert.notEqual(w.pid, pid, 'a new process');
    assert.equal(w.restarts, 0, 'not counted as a restart after a failure');
    assert.equal(w.lastDeploy?.version?.commit, v2);
    const health = await serveGet(`https://127.0.0.1:${shopPort}`, '/healthz', { token: '', ca: readFileSync(join(tmp, 'shop', 'certs', 'ca.crt')) });
    assert.equal((JSON.parse(health.text) as { version: string }).version, v2, 'the shop answers on v2');
    // Recorded for provenance: the deployment timeline says v2 runs from now on.
    const timeline = spawnSync(process.execPath, [join(root, 'bin/holdfast.js'), 'deploy', 'list', '--catalog', join(tmp, 'holdfast', 'catalog.db'), '--workload', 'shop', '--json'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(timeline.status, 0, timeline.stderr);
    const rows = JSON.parse(timeline.stdout) as { commit: string; endedAt?: string }[];
    assert.equal(rows.at(-1)?.commit, v2);
    assert.equal(rows.at(-1)?.endedAt, undefined, 'v2 is the running deployment');
    // No alert, neither right away nor once the webhook's retries would have delivered one.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(hook.received.slice(alertsBefore).filter((a) => a.event === 'workload-down'), []);
    assert.deepEqual((await json<{ event: string }[]>('/api/v1/alerts')).filter((a) => a.event === 'workload-down'), []);
    assert.doesNotMatch(serve.stderr, /workload shop (was killed|exited|ended)/);
  });

  it('reports a killed shop within seconds (overview, /readyz, metric, alert), restarts it, and it comes back ready', { timeout: 120_000 }, async () => {
    const pid = shopPid();
    process.kill(pid, 'SIGKILL');
    // The first restart waits 1 s and the shop takes a moment to listen: the down state is short, so look often.
    const down = await until(
      'the shop reported down',
      async () => {
        const s = await shopWorkload();
        return s && !s.up && s;
      },
      10_000,
      50,
    );
    const [ready, metrics] = await Promise.all([serveGet(serve.url, '/readyz', auth()), get('/metrics').then((r) => r.text)]);
    assert.equal(ready.status, 503, '/readyz is degraded while the shop is down');
    assert.equal(JSON.parse(ready.text).status, 'degraded');
    assert.match(metrics, /holdfast_workload_up\{workload="shop"\} 0/);
    assert.ok(['restarting', 'starting'].includes(down.state), down.state);
    const ended = await until('the exit recorded', async () => (await shopWorkload())?.lastExit);
    assert.equal(ended.signal, 'SIGKILL');
    const alert = await hook.waitFor((a) => a.event === 'workload-down', 30_000);
    assert.match(alert.summary, /workload shop was killed by SIGKILL: restarting in 1s/);
    assert.match(serve.stderr, /workload shop was killed by SIGKILL/);
    const back = await until('the shop ready again', async () => {
      const s = await shopWorkload();
      return s?.state === 'ready' && s;
    });
    assert.notEqual(back.pid, pid);
    assert.equal(back.restarts, 1);
    assert.ok(await shopServes(), 'the restarted shop answers');
    assert.equal((await serveGet(serve.url, '/readyz', auth())).status, 200);
    assert.match(await get('/metrics').then((r) => r.text), /holdfast_workload_up\{workload="shop"\} 1/);
  });

  it('restarted while the certificate is due, reloads the shop only once it is ready: the shop survives and serves the renewed certificate', { timeout: 120_000 }, async () => {
    await serve.stop();
    // A slow start, as a real service's can be: the renewal's reload comes due while the shop is
    // not ready yet (a SIGHUP in those seconds kills it), whatever the speed of this machine.
    writeConfig(`sh -c 'sleep 3; exec sh run-shop.sh'`);
    // Wait out the renewal window while nothing runs, so the first check after the restart renews.
    const notAfter = new Date(new X509Certificate(readFileSync(join(tmp, 'shop', 'certs', 'tls.crt'))).validTo).getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, notAfter - 15_000 - Date.now()) + 1000));
    const restartedAt = Date.now();
    await serve.start();
    type Run = { id: number; status: string; startedAt?: string; details?: { renewed?: string } };
    const renewal = await until('a renewal after the restart', async () =>
      (await json<Run[]>('/api/v1/runs?kind=certificate&limit=100')).find(
        (r) => r.details?.renewed && new Date(r.startedAt!).getTime() >= restartedAt - 1000 && r.status !== 'running',
      ),
    );
    const run = await json<Run & { logs: { message: string }[] }>(`/api/v1/runs/${renewal.id}`);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.logs));
    assert.ok(
      run.logs.some((l) => /workload shop is starting .*: waiting until it is ready before reloading it/.test(l.message)),
      `the run says it waited: ${run.logs.map((l) => l.message).join(' | ')}`,
    );
    assert.ok(await until('the shop answering', shopServes, 30_000));
    const w = (await shopWorkload())!;
    assert.equal(w.state, 'ready');
    assert.equal(w.restarts, 0, 'the shop never died: no restart was needed');
    assert.doesNotMatch(serve.stderr.slice(serve.stderr.lastIndexOf('holdfast serving')), /workload shop (was killed|exited)/);
  });

  it('takes over the lock of a serve killed with SIGKILL and adopts the shop it left running', { timeout: 120_000 }, async () => {
    const pid = shopPid();
    const killed = serve.child!;
    assert.equal(killed.exitCode, null, 'serve runs');
    const exited = new Promise((r) => killed.once('exit', r));
    killed.kill('SIGKILL');
    await exited;
    const lock = JSON.parse(readFileSync(join(tmp, 'holdfast', 'serve.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, killed.pid, 'the killed serve\'s lock is still there');
    await serve.start();
    assert.match(serve.stderr, new RegExp(`taking over .*serve\\.lock: holdfast serve pid ${killed.pid} .* no longer runs`));
    const w = await until('the shop ready under the new serve', async () => {
      const s = await shopWorkload();
      return s?.state === 'ready' && s;
    });
    assert.equal(w.pid, pid, 'the running shop was adopted, not started twice');
    assert.ok(await shopServes());
  });
});
