import { BadRequestException, PipeTransform } from '@nestjs/common';

/** Path parameter `:revision` (and diff ends): a positive 32-bit integer. */
export class RevisionNumberPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value) || Number(value) > 2_147_483_647) throw new BadRequestException(`revision: must be a positive integer, got '${value}'`);
    return Number(value);
  }
}
