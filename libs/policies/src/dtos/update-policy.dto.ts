import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsPolicyDocument } from './policy-document.validator';

export class UpdatePolicyDto {
  @ApiProperty({ description: 'the new document; its metadata.name may rename the policy', oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsPolicyDocument()
  document: string | Record<string, unknown>;

  @ApiPropertyOptional({ format: 'uuid', description: 'move the policy to another group (editor on both)' })
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ description: 'optimistic concurrency: refuse (409) unless this is still the current revision' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  baseRevision?: number;
}
