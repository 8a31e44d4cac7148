export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
export type { AuditRecord, AuditEntryView } from './audit.service';
import { AuditEntryEntity } from './audit-entry.entity';

export { AuditEntryEntity };

export const auditEntities = [AuditEntryEntity];
