import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';

export class CreateGroupDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  parentId: string;

  @ApiProperty({ example: 'payments' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'move the group (and its subtree) under another group' })
  @IsOptional()
  @IsUUID()
  parentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;
}
