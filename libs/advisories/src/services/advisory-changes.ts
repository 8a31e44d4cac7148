/**
 * Told which advisories an import changed (new, updated or withdrawn), after
 * commit. Provided by the images context, which re-matches the SBOMs those
 * advisories can affect (dependency inverted: images needs the matcher from here).
 */
export interface AdvisoryChangeHandler {
  advisoriesChanged(ids: readonly string[]): Promise<{ rematchedSboms: number }>;
}

export const ADVISORY_CHANGE_HANDLER = Symbol('ADVISORY_CHANGE_HANDLER');
