/**
 * Which image each container restarts on: the version the chosen restore point recorded for that
 * workload and container (see chooseImage for when it can be pinned by digest), else the operator's
 * spec.knownGoodImage, else — for a container the restore point knows nothing about, such as a
 * sidecar that does not touch the volume — the image it had. A workload none of whose containers
 * gets a known-good image would restart on the version it had, so the restart refuses. Pure.
 */
import type { RecordedWorkload } from '../api/index.js';
import type { ObservedVersion } from './facts.js';

export const digestOf = (image: string) => /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1];

/** What one container restarts on, and the digest its pods must then report (verify checks it). */
export interface ImageChoice {
  image: string;
  /** The digest the kubelet will report for `image`, when known: what verify waits for. */
  digest?: string | undefined;
  /** Whether this is a known-good version (recorded or named), rather than the image it had. */
  knownGood: boolean;
  why: string;
}

/**
 * The image one container restarts on. A recorded digest is pinned only through the pullable
 * reference the kubelet reported (`repo@sha256:` imageID): a bare `sha256:` imageID is the image's
 * config digest, and `repo@<config digest>` is a manifest no registry serves (ErrImagePull), which
 * would leave the workload down after a restore that succeeded. Without one, spec.knownGoodImage
 * (always pinned) wins, then the image reference the restore point recorded, which still names the
 * recorded version unless its tag was moved since; verify then checks the digest pods report.
 */
export function chooseImage(container: string, current: string, rec: ObservedVersion | undefined, knownGoodImage?: string): ImageChoice {
  if (rec?.imageRef)
    return { image: rec.imageRef, digest: digestOf(rec.imageRef), knownGood: true, why: `${rec.imageRef}, the version the restore point recorded, pinned by the digest the kubelet reported` };
  if (rec?.image && digestOf(rec.image))
    return { image: rec.image, digest: rec.imageDigest ?? digestOf(rec.image), knownGood: true, why: `${rec.image}, the version the restore point recorded (already pinned by digest)` };
  const unpullable = rec?.imageDigest ? `the kubelet reported only ${rec.imageDigest} with no repository, which no registry serves, so it is not pinned by digest` : 'the restore point records no digest for it';
  if (knownGoodImage) return { image: knownGoodImage, digest: digestOf(knownGoodImage), knownGood: true, why: `${knownGoodImage}, named in spec.knownGoodImage${rec ? ` (${unpullable})` : ''}` };
  if (rec?.image) return { image: rec.image, digest: rec.imageDigest, knownGood: true, why: `${rec.image}, the image the restore point recorded; ${unpullable}` };
  return { image: current, knownGood: false, why: `unchanged (${current}), the restore point records no version for container ${container}` };
}

export interface RestartTarget {
  kind: RecordedWorkload['kind'];
  name: string;
  replicas: number;
  images: Record<string, string>;
  /** Per container, the digest its pods must report once restarted (absent: not checked). */
  digests: Record<string, string>;
  /** How each container's image was chosen, for the report. */
  why: string[];
}

export type RestartPlan = { ok: true; targets: RestartTarget[] } | { ok: false; reason: 'NoKnownGoodVersion'; message: string };

export function planRestart(namespace: string, recorded: readonly RecordedWorkload[], provenance: readonly ObservedVersion[], knownGoodImage?: string): RestartPlan {
  const targets: RestartTarget[] = [];
  for (const w of recorded) {
    const id = `${namespace}/${w.kind}/${w.name}`;
    const images: Record<string, string> = {};
    const digests: Record<string, string> = {};
    const why: string[] = [];
    let pinned = 0;
    for (const c of w.containers) {
      const rec = provenance.find((v) => v.workload === id && (v.container === undefined || v.container === c.name) && (v.imageDigest || v.imageRef));
      const choice = chooseImage(c.name, c.image, rec, knownGoodImage);
      images[c.name] = choice.image;
      if (choice.digest) digests[c.name] = choice.digest;
      if (choice.knownGood) pinned++;
      why.push(`${w.kind}/${w.name} container ${c.name}: ${choice.why}`);
    }
    if (w.containers.length && pinned === 0)
      return { ok: false, reason: 'NoKnownGoodVersion', message: `${w.kind} ${namespace}/${w.name}: the restore point records no version for its containers and spec.knownGoodImage is not set, so there is no known-good image to restart on` };
    targets.push({ kind: w.kind, name: w.name, replicas: w.replicas, images, digests, why });
  }
  return { ok: true, targets };
}
