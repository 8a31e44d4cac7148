import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

export class CreateClusterDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  groupId: string;

  @ApiProperty({ example: 'prod-eu-1' })
  @IsString()
  @Length(1, 200)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must start with a letter or digit and use letters, digits, dot, dash or underscore' })
  name: string;

  @ApiPropertyOptional({ enum: ['allow', 'warn', 'deny'], description: 'admission for images no policy matches (default warn)' })
  @IsOptional()
  @IsIn(['allow', 'warn', 'deny'])
  noMatch?: 'allow' | 'warn' | 'deny';

  @ApiPropertyOptional({ description: 'seconds without a heartbeat before the cluster is unhealthy (default 300)' })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(86400)
  unhealthyAfterSeconds?: number;

  @ApiPropertyOptional({ description: 'hours the registration token stays valid (default 24)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  registrationTokenTtlHours?: number;
}
