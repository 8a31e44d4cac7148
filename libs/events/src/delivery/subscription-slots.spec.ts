import { SubscriptionSlots } from './subscription-slots';

describe('SubscriptionSlots', () => {
  it('gives each subscription at most its share, independently of the others', () => {
    const slots = new SubscriptionSlots(2);
    expect([slots.tryTake('slow'), slots.tryTake('slow'), slots.tryTake('slow')]).toEqual([true, true, false]);
    expect(slots.tryTake('fast')).toBe(true);
    expect(slots.inFlight('slow')).toBe(2);
    expect(slots.inFlight('fast')).toBe(1);
  });

  it('frees a slot when an attempt ends, and forgets idle subscriptions', () => {
    const slots = new SubscriptionSlots(1);
    expect(slots.tryTake('a')).toBe(true);
    expect(slots.tryTake('a')).toBe(false);
    slots.release('a');
    expect(slots.inFlight('a')).toBe(0);
    expect(slots.tryTake('a')).toBe(true);
    slots.release('a');
    slots.release('a'); // a stray release never makes room for more than the share
    expect([slots.tryTake('a'), slots.tryTake('a')]).toEqual([true, false]);
  });
});
