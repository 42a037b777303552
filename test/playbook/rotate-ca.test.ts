/**
 * The playbook with --rotate-ca: after the restore, the TLS engine's CA rotation runs over the
 * config's certificate files (trust bundle old + new, leaves from the new CA, old CA retired). A
 * client that reloads its trust bundle (ca.crt) before each connection sees no failed handshake,
 * and at the end the shop serves a leaf from a new CA, on a new key.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf } from '../../src/playbook/index.js';
import { trustedHandshake } from '../../src/playbook/checks.js';
import { stopWindow, Story } from './harness.js';

const stories: Story[] = [];
after(async () => {
  for (const s of stories) await s.dispose();
});

test('--rotate-ca rotates the CA with overlapping trust bundles: no failed handshake for a client that follows the bundle', async () => {
  const s = new Story();
  stories.push(s);
  const findingId = await s.setUp();
  const oldCa = new X509Certificate(s.caPem);
  const c = s.startClient({ followBundle: true });
  const run = await s.cliAsync(['incident', 'run', '--volume', 'shop-data', '--finding', findingId, '--rotate-ca', '--yes', '--json']).done;
  await c.stop();
  assert.equal(run.code, 0, run.err);
  const { id } = JSON.parse(run.out) as { id: string };
  const failed = c.failedOutside(...stopWindow(JSON.parse(await s.okAsync(['incident', 'status', id, '--json'])).steps));
  assert.deepEqual(failed, [], `failed handshakes: ${failed.join(', ')}`);
  assert.ok(c.ok > 0);

  const bundle = readFileSync(join(s.certs, 'ca.crt'), 'utf8');
  const newCa = new X509Certificate(bundle);
  assert.notEqual(newCa.fingerprint256, oldCa.fingerprint256, 'ca.crt holds the new CA');
  const served = await trustedHandshake({ host: '127.0.0.1', port: s.port, serverName: 'localhost' }, bundle);
  assert.equal(served.authorized, true, served.error);
  assert.notEqual(served.keyId, keyIdOf(s.initialKeyPem));
  const leaf = new X509Certificate(readFileSync(join(s.certs, 'tls.crt'), 'utf8'));
  assert.ok(leaf.checkIssued(newCa), 'the served leaf is issued by the new CA');
  const oldOnly = await trustedHandshake({ host: '127.0.0.1', port: s.port, serverName: 'localhost' }, oldCa.toString());
  assert.equal(oldOnly.authorized, false, 'the old CA alone no longer verifies the shop');
  const rotate = s.catalog((cat) => cat.db.prepare("SELECT outputs FROM incident_steps WHERE incident_id = ? AND step = 'rotate-tls'").get(id) as { outputs: string });
  assert.equal((JSON.parse(rotate.outputs) as { caRotation: { finished: boolean } }).caRotation.finished, true);
});
