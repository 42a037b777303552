/**
 * How long a certificate may live: one cap for every issuer (the CLI, serve and the operator), so
 * that a lifetime a public client would refuse is never issued by accident. Pure.
 */

/** The default cap: the CA/Browser Forum's 398 days, what public clients still accept. */
export const DEFAULT_MAX_LIFETIME_MS = 398 * 86_400_000;

const days = (ms: number) => `${+(ms / 86_400_000).toFixed(2)}d`;

export interface LifetimeDecision {
  /** Why this lifetime is not issued (above the cap), as the tail of one line. */
  refuse?: string;
  /** Issued, but above the default cap: what the issuer should warn about. */
  warning?: string;
}

/**
 * Whether a leaf may live `lifetimeMs` under a cap of `maxLifetimeMs`: refused above the cap, with
 * where to raise it (`capSetting`, the caller's own name for it; null when nothing raises it);
 * allowed above 398 days only because the cap was raised, and then warned about, since public
 * clients refuse such leaves and a long-lived key is longer exposed. Pure: the CLI, serve and the
 * operator all decide with it.
 */
export function lifetimeDecision(lifetimeMs: number, maxLifetimeMs: number, capSetting: string | null = 'maxLifetime in inventory.yaml'): LifetimeDecision {
  if (lifetimeMs > maxLifetimeMs)
    return { refuse: `lifetime ${days(lifetimeMs)} is above the cap of ${days(maxLifetimeMs)}; shorten it${capSetting ? `, or raise ${capSetting}` : ' (the cap of this certificate is not configurable)'}` };
  if (lifetimeMs > DEFAULT_MAX_LIFETIME_MS)
    return { warning: `lifetime ${days(lifetimeMs)} is above ${days(DEFAULT_MAX_LIFETIME_MS)}, which public clients refuse (allowed by the raised cap of ${days(maxLifetimeMs)})` };
  return {};
}
