import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../platform/clock.js';
import type { CertificatePort } from '../ports.js';
import { tlsEngine } from './tls.js';

const DAY = 86_400_000;

describe("serve's certificate port: a refused lifetime names the setting that raises it", () => {
  type Req = Parameters<CertificatePort['issue']>[0];
  const base = { commonName: 'web.local', dnsNames: ['web.local'], ipAddresses: [] };
  const cases: { name: string; req: Omit<Req, 'caDir'>; refuse: RegExp }[] = [
    {
      name: "a policy's certificate names its own certificates.<name>.maxValidity",
      req: { ...base, inventoryName: 'serve/web', validityMs: 60 * DAY, maxValidity: { ms: 30 * DAY, setting: 'certificates.web.maxValidity' } },
      refuse: /^certificate web\.local: lifetime 60d is above the cap of 30d; shorten it, or raise certificates\.web\.maxValidity$/,
    },
    {
      name: 'a policy named api names certificates.api.maxValidity, which exists',
      req: { ...base, inventoryName: 'serve/api', validityMs: 60 * DAY, maxValidity: { ms: 30 * DAY, setting: 'certificates.api.maxValidity' } },
      refuse: /; shorten it, or raise certificates\.api\.maxValidity$/,
    },
    {
      // The API's certificate (serving-cert.ts) has no cap setting: no config key is named.
      name: "the API's own certificate names no setting, since none raises its cap",
      req: { commonName: 'holdfast-control-plane', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], inventoryName: 'serve:api', validityMs: 400 * DAY },
      refuse: /^certificate holdfast-control-plane: lifetime 400d is above the cap of 398d; shorten it \(the cap of this certificate is not configurable\)$/,
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const caDir = await mkdtemp(join(tmpdir(), 'hf-serve-cap-'));
      try {
        await assert.rejects(tlsEngine(new ManualClock(new Date())).issue({ caDir, ...c.req }), (e: Error) => {
          assert.match(e.message, c.refuse);
          return true;
        });
      } finally {
        await rm(caDir, { recursive: true, force: true });
      }
    });
});
