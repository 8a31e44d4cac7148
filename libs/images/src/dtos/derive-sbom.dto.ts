import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

export class DeriveSbomDto {
  @ApiPropertyOptional({ description: 'a reference the org ran the image under (default: the most recent one)' })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  ref?: string;

  @ApiPropertyOptional({ description: 'derive again even if an SBOM is stored' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
