import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSans } from './sans.js';
import { isHoldfastError } from '../base/errors.js';
import { parseDuration } from './duration.js';
import { parseKeyAlgorithm } from './keys.js';

describe('SANs', () => {
  it('reads prefixed and bare names into their kinds', () => {
    assert.deepEqual(
      parseSans([
        'DNS:Shop.Local',
        'IP:127.0.0.1',
        'URI:spiffe://cluster/ns/shop',
        '::1',
        'api.svc',
        'https://x.example/y',
      ]),
      {
        dns: ['shop.local', 'api.svc'],
        ip: ['127.0.0.1', '::1'],
        uri: ['spiffe://cluster/ns/shop', 'https://x.example/y'],
      },
    );
  });
  it('accepts a leading wildcard label', () => {
    assert.deepEqual(parseSans(['*.shop.svc.cluster.local']).dns, ['*.shop.svc.cluster.local']);
  });
  const bad = [
    'DNS:bad_name',
    'DNS:-lead.example',
    'DNS:a..b',
    'IP:300.1.1.1',
    'IP:localhost',
    'URI:not a uri',
    'DNS:' + 'a'.repeat(64) + '.x',
    'DNS:shop.*.local',
  ];
  for (const b of bad)
    it(`rejects ${b.slice(0, 30)} with TLS_INVALID_SAN`, () => {
      assert.throws(
        () => parseSans([b]),
        (e) => isHoldfastError(e, 'TLS_INVALID_SAN'),
      );
    });
});

describe('durations and algorithms', () => {
  it('parses durations in the forms specs use', () => {
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
  });
  it('rejects a duration without a unit', () => {
    assert.throws(
      () => parseDuration('90'),
      (e) => isHoldfastError(e, 'TLS_INVALID_SPEC'),
    );
  });
  it('rejects an unknown algorithm naming the ones it knows', () => {
    assert.throws(
      () => parseKeyAlgorithm('dsa-1024'),
      (e) => isHoldfastError(e, 'TLS_UNKNOWN_ALGORITHM') && /ecdsa-p256/.test((e as Error).message),
    );
  });
});
