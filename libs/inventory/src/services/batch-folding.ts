import type { InventoryBatch, PodDelta } from '@vigil/agent-protocol';

/** One observation row as the batch leaves it (several deltas of a pod folded into one). */
export interface ObservationRow {
  podUid: string;
  namespace: string;
  podName: string;
  workloadKind: string | null;
  workloadName: string | null;
  node: string | null;
  containerName: string;
  containerType: 'container' | 'init' | 'ephemeral';
  imageRef: string;
  imageDigest: string;
  firstSeen: Date;
  lastSeen: Date;
  running: boolean;
}

export interface FoldedBatch {
  rows: ObservationRow[];
  /** Pods whose full container list was sent: their other running rows end at `at`. */
  listedPods: { uid: string; at: Date }[];
  deletedPods: { uid: string; at: Date }[];
  images: { digest: string; firstSeen: Date; lastSeen: Date }[];
  references: { digest: string; ref: string; firstSeen: Date; lastSeen: Date }[];
}

function ownerOf(pod: PodDelta): { kind: string | null; name: string | null } {
  if (pod.owner) return { kind: pod.owner.kind, name: pod.owner.name };
  const controller = pod.ownerReferences?.find((r) => r.controller) ?? pod.ownerReferences?.[0];
  return controller ? { kind: controller.kind, name: controller.name } : { kind: null, name: null };
}

const min = (a: Date, b: Date) => (a < b ? a : b);
const max = (a: Date, b: Date) => (a > b ? a : b);

/**
 * Folds a batch into set-based writes: one row per (pod, container, digest),
 * so a single INSERT … ON CONFLICT can apply it (Postgres refuses to touch a
 * row twice in one statement). Pure, so the rules are unit-tested.
 */
export function foldBatch(batch: InventoryBatch): FoldedBatch {
  const rows = new Map<string, ObservationRow>();
  const listed = new Map<string, Date>();
  const deleted = new Map<string, Date>();
  for (const pod of batch.pods) {
    const at = new Date(pod.observedAt);
    const owner = ownerOf(pod);
    for (const c of pod.containers) {
      const started = c.startedAt ? new Date(c.startedAt) : at;
      const terminated = c.terminatedAt ? new Date(c.terminatedAt) : null;
      const running = pod.op === 'upsert' && !terminated;
      const lastSeen = terminated ?? at;
      const key = `${pod.uid}\u0000${c.name}\u0000${c.imageDigest}`;
      const known = rows.get(key);
      rows.set(key, {
        podUid: pod.uid,
        namespace: pod.namespace,
        podName: pod.name,
        workloadKind: owner.kind ?? known?.workloadKind ?? null,
        workloadName: owner.name ?? known?.workloadName ?? null,
        node: pod.node ?? known?.node ?? null,
        containerName: c.name,
        containerType: c.type,
        imageRef: c.image,
        imageDigest: c.imageDigest,
        firstSeen: known ? min(known.firstSeen, min(started, lastSeen)) : min(started, lastSeen),
        lastSeen: known ? max(known.lastSeen, lastSeen) : lastSeen,
        running,
      });
    }
    if (pod.op === 'upsert') listed.set(pod.uid, max(listed.get(pod.uid) ?? at, at));
    else deleted.set(pod.uid, max(deleted.get(pod.uid) ?? at, at));
  }
  const images = new Map<string, { digest: string; firstSeen: Date; lastSeen: Date }>();
  const references = new Map<string, { digest: string; ref: string; firstSeen: Date; lastSeen: Date }>();
  for (const r of rows.values()) {
    const image = images.get(r.imageDigest);
    images.set(r.imageDigest, image ? { ...image, firstSeen: min(image.firstSeen, r.firstSeen), lastSeen: max(image.lastSeen, r.lastSeen) } : { digest: r.imageDigest, firstSeen: r.firstSeen, lastSeen: r.lastSeen });
    const refKey = `${r.imageDigest}\u0000${r.imageRef}`;
    const ref = references.get(refKey);
    references.set(refKey, ref ? { ...ref, firstSeen: min(ref.firstSeen, r.firstSeen), lastSeen: max(ref.lastSeen, r.lastSeen) } : { digest: r.imageDigest, ref: r.imageRef, firstSeen: r.firstSeen, lastSeen: r.lastSeen });
  }
  return {
    rows: [...rows.values()],
    listedPods: [...listed].filter(([uid]) => !deleted.has(uid)).map(([uid, at]) => ({ uid, at })),
    deletedPods: [...deleted].map(([uid, at]) => ({ uid, at })),
    images: [...images.values()],
    references: [...references.values()],
  };
}
