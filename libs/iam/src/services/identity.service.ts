import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { generateSecret, sha256 } from '@vigil/shared/crypto';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { API_TOKEN_PREFIX } from '../auth/strategies';
import { CreateIdentityDto, CreateTokenDto } from '../dtos/create-identity.dto';
import { ApiTokenRepository, GroupRepository, IdentityRepository } from '../repositories';
import { identityView, tokenView } from './views';
import { IamChangeRecorder } from './iam-change.recorder';

/** Service principals and their API tokens; owners of an identity's group manage it. */
@Injectable()
export class IdentityService {
  constructor(
    private readonly database: Database,
    private readonly identities: IdentityRepository,
    private readonly groups: GroupRepository,
    private readonly tokens: ApiTokenRepository,
    private readonly changes: IamChangeRecorder,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async list(caller: Caller, page: PageRequest) {
    const orgId = orgOf(caller);
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const visibleGroups = roots === null ? null : await this.groups.idsAtOrBelow(orgId, roots);
    const rows = await this.identities.list(orgId, visibleGroups, page);
    const result = toPage(rows, page.limit, (i) => i.id);
    return { items: result.items.map(identityView), nextCursor: result.nextCursor };
  }

  async get(caller: Caller, id: string) {
    const identity = await this.mustFind(caller, id, 'viewer');
    return identityView(identity);
  }

  async create(caller: Caller, dto: CreateIdentityDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', dto.groupId);
    const id = randomUUID();
    const identity = await this.database.forOrg(orgId, async () => {
      const created = await this.identities.insert({ id, orgId, groupId: dto.groupId, kind: 'service', name: dto.name, userId: null });
      await this.changes.record(caller, { action: 'identity.create', objectType: 'identity', objectId: id, details: { name: dto.name, groupId: dto.groupId } }, dto.groupId);
      return created;
    });
    return identityView(identity);
  }

  /** The token is returned once; only its SHA-256 is stored. */
  async createToken(caller: Caller, identityId: string, dto: CreateTokenDto) {
    const orgId = orgOf(caller);
    const identity = await this.mustFind(caller, identityId, 'owner');
    const token = generateSecret(API_TOKEN_PREFIX);
    const id = randomUUID();
    const expiresAt = dto.expiresInDays ? new Date(Date.now() + dto.expiresInDays * 86_400_000) : null;
    const row = await this.database.forOrg(orgId, async () => {
      const created = await this.tokens.insert({
        id,
        orgId,
        identityId: identity.id,
        name: dto.name ?? '',
        tokenHash: sha256(token),
        tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 9),
        expiresAt,
      });
      await this.changes.record(caller, { action: 'token.create', objectType: 'token', objectId: id, details: { identityId, name: dto.name ?? '' } }, identity.groupId);
      return created;
    });
    return { ...tokenView(row), token };
  }

  async listTokens(caller: Caller, identityId: string) {
    const identity = await this.mustFind(caller, identityId, 'viewer');
    const rows = await this.tokens.listForIdentity(orgOf(caller), identity.id);
    return { items: rows.map(tokenView), nextCursor: null };
  }

  /** Revocation takes effect on the next request: tokens are looked up on every call. */
  async revokeToken(caller: Caller, tokenId: string): Promise<void> {
    const orgId = orgOf(caller);
    const token = await this.tokens.findById(orgId, tokenId);
    if (!token) throw new NotFoundException(`token ${tokenId} not found`);
    const own = caller.principal.type === 'identity' && caller.principal.identityId === token.identityId;
    const identity = own ? await this.identities.findById(orgId, token.identityId) : await this.mustFind(caller, token.identityId, 'owner');
    if (!identity) throw new NotFoundException(`token ${tokenId} not found`);
    await this.database.forOrg(orgId, async () => {
      await this.tokens.revoke(orgId, tokenId);
      await this.changes.record(caller, { action: 'token.revoke', objectType: 'token', objectId: tokenId, details: { identityId: token.identityId } }, identity.groupId);
    });
  }

  private async mustFind(caller: Caller, id: string, role: 'viewer' | 'owner') {
    const identity = await this.identities.findById(orgOf(caller), id);
    if (!identity) throw new NotFoundException(`identity ${id} not found`);
    await this.authorizer.assertRoleOnObject(caller, role, identity.groupId, `identity ${id}`);
    return identity;
  }

}
