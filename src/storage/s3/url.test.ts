import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isHoldfastError } from '../../base/errors.js';
import { parseS3Location } from './url.js';

describe('parseS3Location', () => {
  const ok: Array<[string, string, NodeJS.ProcessEnv, Partial<ReturnType<typeof parseS3Location>>]> = [
    ['splits endpoint, bucket and prefix', 's3:https://127.0.0.1:9000/bk/team/repo', {}, { endpoint: 'https://127.0.0.1:9000', bucket: 'bk', prefix: 'team/repo/', display: 's3:https://127.0.0.1:9000/bk/team/repo' }],
    ['accepts a bucket without prefix', 's3:https://s3.example.com/bk', {}, { bucket: 'bk', prefix: '', display: 's3:https://s3.example.com/bk' }],
    ['assumes https when the scheme is left out', 's3:s3.example.com/bk', {}, { endpoint: 'https://s3.example.com' }],
    ['uses path style for a self-hosted server', 's3:https://minio.local:9000/bk', {}, { style: 'path' }],
    ['uses virtual-host style for AWS', 's3:https://s3.eu-west-1.amazonaws.com/bk', {}, { style: 'virtual' }],
    ['lets the URL choose the style', 's3:https://minio.local/bk?style=virtual', {}, { style: 'virtual' }],
    ['lets the environment choose the style', 's3:https://s3.amazonaws.com/bk', { HOLDFAST_S3_STYLE: 'path' }, { style: 'path' }],
    ['takes the region from AWS_REGION', 's3:https://h/bk', { AWS_REGION: 'eu-central-1' }, { region: 'eu-central-1' }],
    ['defaults the region to us-east-1', 's3:https://h/bk', {}, { region: 'us-east-1' }],
    ['defaults the lock mode to compliance and does not require a lock', 's3:https://h/bk', {}, { lockMode: 'COMPLIANCE', lockRequired: false }],
    ['requires object lock when the URL names a lock mode', 's3:https://h/bk?lock=governance', {}, { lockMode: 'GOVERNANCE', lockRequired: true }],
    ['allows plain HTTP when HOLDFAST_S3_ALLOW_HTTP=1', 's3:http://127.0.0.1:7070/bk', { HOLDFAST_S3_ALLOW_HTTP: '1' }, { endpoint: 'http://127.0.0.1:7070' }],
    ['allows plain HTTP with allow-http in the URL', 's3:http://127.0.0.1:7070/bk?allow-http=1', {}, { endpoint: 'http://127.0.0.1:7070' }],
    ['reads the CA bundle from HOLDFAST_S3_CA_FILE', 's3:https://h/bk', { HOLDFAST_S3_CA_FILE: '/etc/ca.pem' }, { caFile: '/etc/ca.pem' }],
  ];
  for (const [name, url, env, want] of ok)
    it(name, () => {
      const got = parseS3Location(url, env);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });

  const bad: Array<[string, string, NodeJS.ProcessEnv, string, RegExp]> = [
    ['refuses plain HTTP unless allowed', 's3:http://h/bk', {}, 'S3_PLAIN_HTTP', /refusing plain HTTP.*HOLDFAST_S3_ALLOW_HTTP=1/],
    ['refuses credentials inside the URL without echoing them', 's3:https://AKIA:s3cr3t@h/bk', {}, 'S3_URL', /credentials do not belong in the URL/],
    ['refuses a URL without a bucket', 's3:https://h/', {}, 'S3_URL', /no bucket/],
    ['refuses an unknown style', 's3:https://h/bk?style=dns', {}, 'S3_URL', /style must be path or virtual/],
    ['refuses an unknown lock mode', 's3:https://h/bk?lock=forever', {}, 'S3_URL', /lock mode must be/],
    ['refuses an unknown option', 's3:https://h/bk?colour=red', {}, 'S3_URL', /unknown option "colour"/],
    ['refuses dot segments in the prefix', 's3:https://h/bk/a/../b', {}, 'S3_URL', /prefix|bucket/],
  ];
  for (const [name, url, env, code, re] of bad)
    it(name, () => {
      assert.throws(() => parseS3Location(url, env), (e) => {
        assert.ok(isHoldfastError(e, code), String(e));
        assert.match(e.message, re);
        assert.doesNotMatch(e.message, /s3cr3t/);
        return true;
      });
    });
});
