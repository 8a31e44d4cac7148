import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

export class CreateIdentityDto {
  @ApiProperty({ format: 'uuid', description: 'the group whose owners administer this identity' })
  @IsUUID()
  groupId: string;

  @ApiProperty({ example: 'ci-pipeline' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ['service'], description: 'users join through OIDC sign-in, not through this call' })
  @IsIn(['service'])
  kind: 'service';
}

export class CreateTokenDto {
  @ApiPropertyOptional({ example: 'github-actions' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'days until the token expires (default: never)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}
