/** A published policy revision, or a retirement (`revision: null`). */
export interface PolicyChange {
  readonly orgId: string;
  readonly policyId: string;
  readonly revision: number | null;
}

/**
 * Told about every policy change inside the change's own transaction, so what
 * it records commits (or not) with the revision. Continuous verification
 * provides it; policies does not import its consumers.
 */
export interface PolicyChangeListener {
  policyChanged(change: PolicyChange): Promise<void>;
}

export const POLICY_CHANGE_LISTENER = Symbol('POLICY_CHANGE_LISTENER');
