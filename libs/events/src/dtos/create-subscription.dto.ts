import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { KNOWN_EVENT_TYPE } from '../event-types';

export class CreateSubscriptionDto {
  @ApiProperty({ format: 'uuid', description: 'events of everything at or below this group are delivered' })
  @IsUUID()
  groupId: string;

  @ApiProperty({ example: 'https://hooks.example.com/vigil' })
  @IsString()
  @Length(1, 2048)
  sink: string;

  @ApiPropertyOptional({ type: [String], description: 'event types to receive (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(KNOWN_EVENT_TYPE, { each: true, message: 'each type must look like dev.vigil.<name>.v<N>' })
  types?: string[];

  @ApiPropertyOptional({ enum: ['binary', 'structured'], description: 'CloudEvents HTTP mode (default binary)' })
  @IsOptional()
  @IsIn(['binary', 'structured'])
  mode?: 'binary' | 'structured';

  @ApiPropertyOptional({ description: 'Standard Webhooks secret (whsec_<base64>); generated when omitted' })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, { message: 'must be whsec_ followed by 24 to 64 base64 bytes' })
  secret?: string;
}
