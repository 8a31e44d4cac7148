import type { PolicyEntity, PolicyRevisionEntity } from '../entities';

export function policyView(p: PolicyEntity, current?: PolicyRevisionEntity) {
  return {
    id: p.id,
    name: p.name,
    groupId: p.groupId,
    revision: p.currentRevision,
    ...(current ? { apiVersion: current.apiVersion, kind: current.kind, mode: current.mode, document: current.document } : {}),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function revisionView(r: PolicyRevisionEntity, withDocument: boolean) {
  return {
    policyId: r.policyId,
    revision: r.revision,
    name: r.name,
    groupId: r.groupId,
    apiVersion: r.apiVersion,
    kind: r.kind,
    mode: r.mode,
    documentSha256: r.documentSha256,
    createdBy: { type: r.actorType, id: r.actorId },
    createdAt: r.createdAt.toISOString(),
    ...(withDocument ? { document: r.document } : {}),
  };
}
