/**
 * Which image each container restarts on: the version the chosen restore point recorded for that
 * workload and container (its image pinned to the recorded digest), else the operator's
 * spec.knownGoodImage, else — for a container the restore point knows nothing about, such as a
 * sidecar that does not touch the volume — the image it had. A workload none of whose containers
 * gets a known-good image would restart on the version it had, so the restart refuses. Pure.
 */
import type { RecordedWorkload } from '../api/index.js';
import type { ObservedVersion } from './facts.js';

/** "registry:5000/shop/db:1.4" + digest → "registry:5000/shop/db@sha256:…" (tag and old digest dropped). */
export function pinnedImage(image: string, digest: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  return `${repo}@${digest}`;
}

export const digestOf = (image: string) => /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];

export interface RestartTarget {
  kind: RecordedWorkload['kind'];
  name: string;
  replicas: number;
  images: Record<string, string>;
  /** How each container's image was chosen, for the report. */
  why: string[];
}

export type RestartPlan = { ok: true; targets: RestartTarget[] } | { ok: false; reason: 'NoKnownGoodVersion'; message: string };

export function planRestart(namespace: string, recorded: readonly RecordedWorkload[], provenance: readonly ObservedVersion[], knownGoodImage?: string): RestartPlan {
  const targets: RestartTarget[] = [];
  for (const w of recorded) {
    const id = `${namespace}/${w.kind}/${w.name}`;
    const images: Record<string, string> = {};
    const why: string[] = [];
    let pinned = 0;
    for (const c of w.containers) {
      const rec = provenance.find((v) => v.workload === id && (v.container === undefined || v.container === c.name) && v.imageDigest);
      if (rec) {
        pinned++;
        images[c.name] = pinnedImage(rec.image ?? c.image, rec.imageDigest!);
        why.push(`${w.kind}/${w.name} container ${c.name}: ${images[c.name]}, the version the restore point recorded`);
      } else if (knownGoodImage) {
        pinned++;
        images[c.name] = knownGoodImage;
        why.push(`${w.kind}/${w.name} container ${c.name}: ${knownGoodImage}, named in spec.knownGoodImage`);
      } else {
        images[c.name] = c.image;
        why.push(`${w.kind}/${w.name} container ${c.name}: unchanged (${c.image}), the restore point records no version for it`);
      }
    }
    if (w.containers.length && pinned === 0)
      return { ok: false, reason: 'NoKnownGoodVersion', message: `${w.kind} ${namespace}/${w.name}: the restore point records no version for its containers and spec.knownGoodImage is not set, so there is no known-good image to restart on` };
    targets.push({ kind: w.kind, name: w.name, replicas: w.replicas, images, why });
  }
  return { ok: true, targets };
}
