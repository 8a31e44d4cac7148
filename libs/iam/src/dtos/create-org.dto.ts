import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateOrgDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Length(1, 200)
  name: string;
}
