/**
 * Told when what Vigil knows about images changed (an SBOM stored, matches
 * recomputed after advisories changed), after the change committed. Provided
 * by the continuous-verification context, which re-verifies those digests
 * where they run (dependency inverted, as with inventory and policies:
 * continuous verification imports this context, never the reverse).
 */
export interface ImageChangeListener {
  /** Digests whose org-owned facts changed: re-verify them where this org runs them. */
  imagesChanged(orgId: string, digests: readonly string[]): Promise<number>;
  /** Digests whose shared facts changed (a cataloged SBOM, its matches): every org that runs them. */
  imagesChangedEverywhere(digests: readonly string[]): Promise<number>;
}

export const IMAGE_CHANGE_LISTENER = Symbol('IMAGE_CHANGE_LISTENER');
