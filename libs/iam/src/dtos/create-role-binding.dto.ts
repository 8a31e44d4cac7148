import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';

export class CreateRoleBindingDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  identityId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  groupId: string;

  @ApiProperty({ enum: ['owner', 'editor', 'viewer'], description: 'agent bindings come with clusters' })
  @IsIn(['owner', 'editor', 'viewer'])
  role: 'owner' | 'editor' | 'viewer';
}
