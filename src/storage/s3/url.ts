/**
 * S3 repository locations: `s3:https://host[:port]/bucket[/prefix][?style=path|virtual&region=…&lock=compliance|governance]`.
 *
 * Parsing is pure (no network, no files) so the rules — which addressing style, when plain HTTP is
 * allowed, where the CA bundle comes from — are table-tested in url.test.ts. Credentials never come
 * from the URL: a location is printed in messages and logs, so it must not carry secrets.
 */
import { invalidInput } from '../../base/errors.js';

export type AddressingStyle = 'path' | 'virtual';
export type LockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface S3Location {
  /** `https://host:port`, no path, no credentials. */
  endpoint: string;
  bucket: string;
  /** '' or a key prefix ending in '/'. */
  prefix: string;
  style: AddressingStyle;
  region: string;
  /** Retention mode for puts that carry retainUntil. */
  lockMode: LockMode;
  /** The URL or env asked for object lock: opening a bucket without it is an error. */
  lockRequired: boolean;
  caFile: string | undefined;
  /** The printable form used in every message: `s3:https://host:port/bucket/prefix`. */
  display: string;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);

function lockModeOf(v: string, where: string): LockMode {
  const m = v.toUpperCase();
  if (m !== 'COMPLIANCE' && m !== 'GOVERNANCE')
    throw invalidInput('S3_URL', `${where}: lock mode must be compliance or governance, not "${v}"`);
  return m;
}

export function parseS3Location(location: string, env: NodeJS.ProcessEnv = {}): S3Location {
  // Messages before the credential check below must not echo user:password@ either.
  const safe = location.replace(/\/\/[^@/]*@/, '//');
  const raw = location.replace(/^s3:/, '');
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  // URL parsing resolves "a/../b" silently, so dot segments are refused on the raw text.
  const rawPath = withScheme.replace(/^[a-z]+:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
  if (/(^|\/)\.\.?(\/|$)/.test(rawPath.replace(/%2e/gi, '.')))
    throw invalidInput('S3_URL', `repository ${safe}: the bucket and prefix must not contain "." or ".." segments`);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidInput('S3_URL', `repository ${safe}: not a URL; use s3:https://host:port/bucket/prefix`);
  }
  if (url.username || url.password)
    throw invalidInput('S3_URL', `repository s3:${url.protocol}//${url.host}${url.pathname}: credentials do not belong in the URL; use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile`);
  const [bucket = '', ...rest] = url.pathname.split('/').filter((p) => p !== '');
  const base = `s3:${url.protocol}//${url.host}/${bucket}`;
  if (!bucket) throw invalidInput('S3_URL', `repository ${safe}: no bucket; use s3:https://host:port/bucket/prefix`);
  const prefix = rest.length ? rest.join('/') + '/' : '';
  const display = `${base}${prefix ? '/' + prefix.slice(0, -1) : ''}`;
  const q = url.searchParams;
  for (const k of q.keys())
    if (!['style', 'region', 'lock', 'allow-http'].includes(k))
      throw invalidInput('S3_URL', `repository ${display}: unknown option "${k}" (known: style, region, lock, allow-http)`);

  if (url.protocol === 'http:') {
    if (!truthy(q.get('allow-http') ?? undefined) && !truthy(env.HOLDFAST_S3_ALLOW_HTTP))
      throw invalidInput('S3_PLAIN_HTTP', `repository ${display}: refusing plain HTTP (credentials and data would travel unencrypted); use https, or set HOLDFAST_S3_ALLOW_HTTP=1 for a trusted loopback`);
  } else if (url.protocol !== 'https:') {
    throw invalidInput('S3_URL', `repository ${display}: endpoint must be https:// (or http:// when allowed)`);
  }

  const styleRaw = q.get('style') ?? env.HOLDFAST_S3_STYLE;
  let style: AddressingStyle;
  if (styleRaw === undefined || styleRaw === '') {
    // AWS prefers virtual-host style; self-hosted servers (versitygw, MinIO, Ceph) usually only
    // resolve path style, because bucket.host needs wildcard DNS.
    style = /(^|\.)amazonaws\.com$/i.test(url.hostname) ? 'virtual' : 'path';
  } else if (styleRaw === 'path' || styleRaw === 'virtual') {
    style = styleRaw;
  } else {
    throw invalidInput('S3_URL', `repository ${display}: style must be path or virtual, not "${styleRaw}"`);
  }

  const lockRaw = q.get('lock') ?? env.HOLDFAST_S3_LOCK_MODE;
  return {
    endpoint: `${url.protocol}//${url.host}`,
    bucket,
    prefix,
    style,
    region: q.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    lockMode: lockRaw ? lockModeOf(lockRaw, `repository ${display}`) : 'COMPLIANCE',
    lockRequired: q.has('lock'),
    caFile: env.HOLDFAST_S3_CA_FILE || undefined,
    display,
  };
}
