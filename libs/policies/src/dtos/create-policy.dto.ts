import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { IsPolicyDocument } from './policy-document.validator';

export class CreatePolicyDto {
  @ApiProperty({ format: 'uuid', description: 'the group the policy applies to (and every group and cluster below it)' })
  @IsUUID()
  groupId: string;

  @ApiProperty({
    description: 'vigil.dev/v1 ImagePolicy or policy.sigstore.dev ClusterImagePolicy, as YAML or JSON text (or a JSON object)',
    oneOf: [{ type: 'string' }, { type: 'object' }],
  })
  @IsPolicyDocument()
  document: string | Record<string, unknown>;
}
