import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';

export class CreateOrgDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Length(1, 200)
  name: string;
}

export class UpdateOrgDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ nullable: true, description: 'days to keep ended inventory intervals; null keeps them forever (default)' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsInt()
  @Min(1)
  @Max(36500)
  inventoryRetentionDays?: number | null;
}
