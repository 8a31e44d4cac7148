import { BadRequestException } from '@nestjs/common';

// OSV ids and aliases: `CVE-2021-1234`, `GHSA-xxxx-xxxx-xxxx`, `ALPINE-CVE-…`, `BIT-django-2021-…`.
const ADVISORY_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$/;

export function advisoryIdParam(id: string): string {
  if (!ADVISORY_ID.test(id)) throw new BadRequestException('id: must be an advisory id or alias (letters, digits, . _ : + -)');
  return id;
}
