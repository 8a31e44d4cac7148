import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

export class SetRegistryCredentialDto {
  @ApiProperty({ example: 'ghcr.io', description: 'registry host[:port] as image references name it' })
  @IsString()
  @Matches(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, { message: 'must be a registry host[:port], without a scheme or path' })
  @Length(1, 253)
  registry: string;

  @ApiProperty()
  @IsString()
  @Length(1, 256)
  username: string;

  @ApiProperty({ description: 'password or access token; stored encrypted, never shown again' })
  @IsString()
  @Length(1, 8192)
  password: string;
}
