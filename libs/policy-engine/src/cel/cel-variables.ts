/** Variables of an attestation's policy: the verified in-toto statement and its predicate. */
export const ATTESTATION_VARIABLES = ['predicate', 'statement'] as const;
/** Variables of `spec.policy`: the image's verified metadata and the admission object. */
export const POLICY_VARIABLES = ['image', 'object'] as const;
