import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class UpdateScheduleDto {
  @ApiProperty({ minimum: 10, maximum: 86400, description: 'every running image is re-verified once per interval (default 600)' })
  @IsInt()
  @Min(10)
  @Max(86400)
  intervalSeconds: number;
}
