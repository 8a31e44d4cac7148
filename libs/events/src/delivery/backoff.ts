/** Delay before retry number `attempt` (1 = first retry): exponential from `baseMs` (5 s), capped at 1 h, ±20 % jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random, baseMs = 5000): number {
  const base = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}
