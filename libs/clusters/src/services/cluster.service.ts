import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { generateCredentialSecret, generateKeyId } from '@vigil/agent-protocol';
import { AuditService } from '@vigil/audit';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { generateSecret, SecretBox, sha256 } from '@vigil/shared/crypto';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { AgentCredentialCache, credentialContext } from '../agent-auth/agent-credential.cache';
import { CLUSTER_USAGE, ClusterUsageProvider } from '../cluster-usage';
import { CreateClusterDto } from '../dtos/create-cluster.dto';
import { AgentCommandRepository, AgentCredentialRepository, ClusterRepository } from '../repositories';
import { clusterView } from './cluster-views';

export const REGISTRATION_TOKEN_PREFIX = 'vgr';
/** How long the previous credential keeps working after a rotation (the agent switches in between). */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** Registered clusters, from the users' side. Editors of a group manage its clusters. */
@Injectable()
export class ClusterService {
  private readonly credentialBox: SecretBox;
  private readonly commandBox: SecretBox;

  constructor(
    private readonly database: Database,
    private readonly clusters: ClusterRepository,
    private readonly credentials: AgentCredentialRepository,
    private readonly liveCredentials: AgentCredentialCache,
    private readonly commands: AgentCommandRepository,
    private readonly audit: AuditService,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @Inject(CLUSTER_USAGE) private readonly usage: ClusterUsageProvider,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.credentialBox = new SecretBox(config.env.VIGIL_SECRET_KEY, 'cluster-credentials');
    this.commandBox = new SecretBox(config.env.VIGIL_SECRET_KEY, 'agent-commands');
  }

  async create(caller: Caller, dto: CreateClusterDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'editor', dto.groupId);
    const id = randomUUID();
    return this.database.forOrg(orgId, async () => {
      const cluster = await this.clusters.insert({
        id,
        orgId,
        groupId: dto.groupId,
        name: dto.name,
        noMatch: dto.noMatch ?? 'warn',
        unhealthyAfterSeconds: dto.unhealthyAfterSeconds ?? 300,
      });
      const registration = await this.issueRegistrationToken(orgId, id, dto.registrationTokenTtlHours ?? 24);
      await this.audit.record(caller, { action: 'cluster.create', objectType: 'cluster', objectId: id, details: { name: dto.name, groupId: dto.groupId } });
      return { ...clusterView(cluster), ...registration };
    });
  }

  async list(caller: Caller, page: PageRequest) {
    const orgId = orgOf(caller);
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const visible = roots === null ? null : await this.visibleGroups(caller, roots);
    const rows = await this.clusters.list(orgId, visible, page);
    const result = toPage(rows, page.limit, (c) => c.id);
    return { items: result.items.map((c) => clusterView(c)), nextCursor: result.nextCursor };
  }

  async get(caller: Caller, id: string) {
    const cluster = await this.mustFind(caller, id, 'viewer');
    return clusterView(cluster, await this.usage.usage(cluster.orgId, cluster.id));
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const cluster = await this.mustFind(caller, id, 'editor');
    await this.database.forOrg(cluster.orgId, async () => {
      await this.clusters.retire(cluster.orgId, id);
      await this.audit.record(caller, { action: 'cluster.delete', objectType: 'cluster', objectId: id, details: { name: cluster.name } });
    });
    this.liveCredentials.forgetCluster(id);
  }

  /** A fresh one-time token, e.g. to re-register an agent that lost its credential. */
  async newRegistrationToken(caller: Caller, id: string) {
    const cluster = await this.mustFind(caller, id, 'editor');
    return this.database.forOrg(cluster.orgId, async () => {
      const registration = await this.issueRegistrationToken(cluster.orgId, id, 24);
      await this.audit.record(caller, { action: 'cluster.registration-token.create', objectType: 'cluster', objectId: id });
      return registration;
    });
  }

  /**
   * Makes a new credential and hands it to the agent over the command channel;
   * the old ones keep working for the overlap, so there is no downtime.
   */
  async rotateCredentials(caller: Caller, id: string) {
    const cluster = await this.mustFind(caller, id, 'editor');
    const keyId = generateKeyId();
    const secret = generateCredentialSecret();
    const commandId = randomUUID();
    await this.database.forOrg(cluster.orgId, async () => {
      await this.credentials.insertCredential({
        keyId,
        orgId: cluster.orgId,
        clusterId: id,
        secretSealed: this.credentialBox.seal(secret, credentialContext(keyId)),
      });
      await this.credentials.expireOtherCredentials(cluster.orgId, id, keyId, new Date(Date.now() + ROTATION_OVERLAP_MS));
      const command = { id: commandId, type: 'rotate-credential', issuedAt: new Date().toISOString(), params: { clusterId: id, keyId, secret } };
      await this.commands.insert({
        id: commandId,
        orgId: cluster.orgId,
        clusterId: id,
        type: command.type,
        payloadSealed: this.commandBox.seal(JSON.stringify(command), commandId),
        expiresAt: new Date(Date.now() + ROTATION_OVERLAP_MS),
      });
      await this.audit.record(caller, { action: 'cluster.credentials.rotate', objectType: 'cluster', objectId: id, details: { keyId } });
    });
    return { keyId, commandId, previousCredentialsValidUntil: new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString() };
  }

  async listCredentials(caller: Caller, id: string) {
    const cluster = await this.mustFind(caller, id, 'viewer');
    const rows = await this.credentials.listCredentials(cluster.orgId, id);
    return {
      items: rows.map((k) => ({
        keyId: k.keyId,
        createdAt: k.createdAt.toISOString(),
        expiresAt: k.expiresAt?.toISOString() ?? null,
        revokedAt: k.revokedAt?.toISOString() ?? null,
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      })),
      nextCursor: null,
    };
  }

  private async issueRegistrationToken(orgId: string, clusterId: string, ttlHours: number) {
    const token = generateSecret(REGISTRATION_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
    await this.credentials.insertRegistrationToken({ id: randomUUID(), orgId, clusterId, tokenHash: sha256(token), expiresAt });
    return { registrationToken: token, registrationTokenExpiresAt: expiresAt.toISOString() };
  }

  private async mustFind(caller: Caller, id: string, role: 'viewer' | 'editor') {
    const cluster = await this.clusters.findLive(orgOf(caller), id);
    if (!cluster) throw new NotFoundException(`cluster ${id} not found`);
    await this.authorizer.assertRoleOnObject(caller, role, cluster.groupId, `cluster ${id}`);
    return cluster;
  }

  private async visibleGroups(caller: Caller, roots: string[]): Promise<string[]> {
    return this.authorizer.groupsAtOrBelow(caller, roots);
  }
}
