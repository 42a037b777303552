/**
 * Subject alternative names. A SAN is written `DNS:name`, `IP:addr` or `URI:scheme:...`; a bare
 * value is read as an IP when it parses as one, a URI when it has a scheme and `//`, else a DNS name.
 * Validation follows RFC 5280/1123 loosely enough for in-cluster names (`svc.ns.svc.cluster.local`,
 * a leading `*.` wildcard) and strictly enough that a typo is one clear error, not a broken cert.
 */
import { isIP } from 'node:net';
import { tlsError } from './errors.js';

export interface SanSet {
  dns: string[];
  ip: string[];
  uri: string[];
}

export const emptySans = (): SanSet => ({ dns: [], ip: [], uri: [] });

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function checkDns(name: string, where: string): string {
  const v = name.toLowerCase().replace(/\.$/, '');
  const rest = v.startsWith('*.') ? v.slice(2) : v;
  if (v.length === 0 || v.length > 253 || !rest.split('.').every((l) => label.test(l)))
    throw tlsError('TLS_INVALID_SAN', `${where}: invalid DNS name "${name}"`);
  return v;
}

function checkIp(ip: string, where: string): string {
  if (isIP(ip) === 0) throw tlsError('TLS_INVALID_SAN', `${where}: invalid IP address "${ip}"`);
  return ip;
}

function checkUri(uri: string, where: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw tlsError('TLS_INVALID_SAN', `${where}: invalid URI "${uri}"`);
  }
  if (!/^[a-z][a-z0-9+.-]*:$/.test(u.protocol) || /\s/.test(uri))
    throw tlsError('TLS_INVALID_SAN', `${where}: invalid URI "${uri}"`);
  return uri;
}

/** Parses `DNS:x`, `IP:x`, `URI:x` or a bare value into the set it belongs to. */
export function addSan(set: SanSet, raw: string, where = 'SAN'): SanSet {
  const s = raw.trim();
  const m = /^(dns|ip|uri):(.*)$/i.exec(s);
  const kind = m ? m[1]!.toLowerCase() : isIP(s) ? 'ip' : /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? 'uri' : 'dns';
  const value = m ? m[2]! : s;
  if (kind === 'dns') set.dns.push(checkDns(value, where));
  else if (kind === 'ip') set.ip.push(checkIp(value, where));
  else set.uri.push(checkUri(value, where));
  return set;
}

export function parseSans(list: string[], where = 'SAN'): SanSet {
  const set = emptySans();
  for (const s of list) addSan(set, s, where);
  return set;
}

/** Validates and normalizes a set (dedupes, lower-cases DNS); throws TLS_INVALID_SAN naming `where`. */
export function validateSans(set: SanSet, where: string): SanSet {
  const out: SanSet = {
    dns: [...new Set(set.dns.map((d) => checkDns(d, where)))],
    ip: [...new Set(set.ip.map((i) => checkIp(i, where)))],
    uri: [...new Set(set.uri.map((u) => checkUri(u, where)))],
  };
  if (out.dns.length + out.ip.length + out.uri.length === 0)
    throw tlsError('TLS_INVALID_SAN', `${where}: a certificate needs at least one DNS, IP or URI name`);
  return out;
}
