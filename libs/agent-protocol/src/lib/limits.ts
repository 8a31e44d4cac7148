// Bounds shared by both ends. The platform rejects anything larger with a 400,
// and the agent uses the same numbers to split its batches, so they never disagree.
export const PROTOCOL_LIMITS = {
  /** Upper bound for any agent request body; the platform sets its body parser limit from it. */
  maxBodyBytes: 8 * 1024 * 1024,
  maxPodsPerBatch: 1000,
  maxContainersPerPod: 128,
  /** Across the whole batch, so 1000 pods of 128 containers cannot make a 100 MB body. */
  maxContainersPerBatch: 10_000,
  maxOwnerReferences: 16,
  maxImageRefLength: 1024,
  maxLabels: 256,
  maxAdmissionImages: 256,
  maxUserGroups: 256,
  maxMessages: 100,
  maxMessageLength: 4096,
  maxCommandsPerList: 100,
  maxVersionLength: 128,
  maxIdLength: 128,
} as const;
