/**
 * How many delivery attempts one subscription may have in flight in this
 * worker. The worker's slots (DELIVERY_CONCURRENCY) are shared by every org: a
 * sink that answers slowly but inside the timeout never trips the breaker, so
 * without a cap its backlog would take every slot and delay everybody else's
 * events by up to the delivery timeout each.
 */
export class SubscriptionSlots {
  private readonly taken = new Map<string, number>();

  constructor(private readonly perSubscription: number) {}

  /** Takes a slot for the subscription; false when it already has its share in flight. */
  tryTake(subscriptionId: string): boolean {
    const inFlight = this.taken.get(subscriptionId) ?? 0;
    if (inFlight >= this.perSubscription) return false;
    this.taken.set(subscriptionId, inFlight + 1);
    return true;
  }

  /** Whether tryTake would refuse now (a cheap look before loading a job's context). */
  isFull(subscriptionId: string): boolean {
    return (this.taken.get(subscriptionId) ?? 0) >= this.perSubscription;
  }

  release(subscriptionId: string): void {
    const inFlight = this.taken.get(subscriptionId) ?? 0;
    if (inFlight <= 1) this.taken.delete(subscriptionId);
    else this.taken.set(subscriptionId, inFlight - 1);
  }
}
