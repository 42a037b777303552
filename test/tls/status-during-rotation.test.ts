/**
 * `holdfast tls status` while a real `holdfast tls rotate-ca` process waits at its propagation gate:
 * status says which phase the rotation is in and what it waits for, until when; and the new CA,
 * staged but not issuing yet, has published its CRL from the start (a client that checks revocation
 * must find one for every CA it trusts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RotationState } from '../../src/tls/index.js';
import { x509 } from '../../src/tls/keys.js';
import { cli, startCli, tempDir, until } from './harness.js';

const MINUTE = 60_000;

describe('tls status during a CA rotation', () => {
  it('shows the phase and what the rotation waits for; the staged CA has its CRL at once', async () => {
    const t = await tempDir('hf-status-rotation-');
    let rotation: ReturnType<typeof startCli> | undefined;
    try {
      for (const args of [
        ['tls', 'init-ca', '--ca-dir', 'ca'],
        ['tls', 'issue', '--ca-dir', 'ca', '--name', 'web', '--dns', 'web.svc', '--out-dir', 'out'],
      ]) {
        const r = await cli(args, t.dir);
        assert.equal(r.status, 0, r.stderr);
      }
      rotation = startCli(['tls', 'rotate-ca', '--ca-dir', 'ca', '--propagation', '10m'], t.dir);
      const file = join(t.dir, 'ca', 'rotation.json');
      const state = await until(
        'the rotation waiting at its propagation gate',
        async () => {
          if (!existsSync(file)) return undefined;
          const s = JSON.parse(await readFile(file, 'utf8')) as RotationState;
          return s.waiting ? s : undefined;
        },
        2 * MINUTE,
        () => rotation!.output().stderr,
      );

      const status = await cli(['tls', 'status', '--ca-dir', 'ca', '--no-probe'], t.dir);
      assert.equal(status.status, 0, status.stderr);
      const line = status.stdout.split('\n').find((l) => l.startsWith('rotation '));
      assert.equal(
        line,
        `rotation ${state.id} (${state.oldCaId} -> ${state.newCaId}): phase distribute; waiting until ${state.waiting!.until} for consumers to re-read the trust bundle with both roots (propagation 600s)`,
        status.stdout,
      );
      // Ten minutes from when the bundle went out, not from when status ran.
      const left = Date.parse(state.waiting!.until!) - Date.now();
      assert.ok(left > 8 * MINUTE && left <= 10 * MINUTE, `waits ${left} ms more`);

      // Both CAs publish their CRL while the new one only waits: an empty list, signed by it.
      for (const id of [state.oldCaId, state.newCaId]) {
        const crl = new x509.X509Crl(await readFile(join(t.dir, 'ca', 'crl', `${id}.crl`), 'utf8'));
        assert.equal(crl.entries.length, 0, id);
        assert.ok(crl.nextUpdate && crl.nextUpdate.getTime() > Date.now(), `${id}: nextUpdate ${crl.nextUpdate?.toISOString()}`);
      }
    } finally {
      rotation?.proc.kill('SIGTERM');
      await rotation?.done;
      await t.cleanup();
    }
  });
});
