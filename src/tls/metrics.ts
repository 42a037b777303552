/**
 * Metrics as values: a pure function from certificate status (inventory + what is installed +
 * probe results) to samples, named like cert-manager's so existing dashboards and alerts carry
 * over. The control plane registers them with prom-client; this module imports no metrics library.
 */
import type { CertStatus } from './status.js';

export interface MetricSample {
  name: string;
  help: string;
  type: 'gauge';
  labels: Record<string, string>;
  value: number;
}

export const METRIC_HELP = {
  holdfast_certificate_expiration_timestamp_seconds:
    'The date after which the installed certificate expires, as a Unix timestamp.',
  holdfast_certificate_renewal_timestamp_seconds:
    'The time at which the certificate will be renewed, as a Unix timestamp.',
  holdfast_certificate_ready_status:
    'The ready status of the certificate (one series per condition; the current one is 1).',
  holdfast_certificate_served_expiration_timestamp_seconds:
    'The expiry of the leaf certificate an endpoint actually serves, as a Unix timestamp.',
} as const;

type Name = keyof typeof METRIC_HELP;

const sample = (name: Name, labels: Record<string, string>, value: number): MetricSample => ({
  name,
  help: METRIC_HELP[name],
  type: 'gauge',
  labels,
  value,
});

export function certificateMetrics(rows: CertStatus[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const r of rows) {
    const base = { name: r.name, issuer_name: r.caId ?? '' };
    if (r.notAfter)
      out.push(
        sample(
          'holdfast_certificate_expiration_timestamp_seconds',
          base,
          Math.floor(r.notAfter.getTime() / 1000),
        ),
      );
    if (r.renewAt)
      out.push(
        sample(
          'holdfast_certificate_renewal_timestamp_seconds',
          base,
          Math.floor(r.renewAt.getTime() / 1000),
        ),
      );
    const cond = r.ready === true ? 'True' : r.ready === false ? 'False' : 'Unknown';
    for (const c of ['True', 'False', 'Unknown'])
      out.push(sample('holdfast_certificate_ready_status', { ...base, condition: c }, c === cond ? 1 : 0));
    if (r.probe?.servedNotAfter)
      out.push(
        sample(
          'holdfast_certificate_served_expiration_timestamp_seconds',
          { ...base, endpoint: r.probe.endpoint },
          Math.floor(r.probe.servedNotAfter.getTime() / 1000),
        ),
      );
  }
  return out;
}
