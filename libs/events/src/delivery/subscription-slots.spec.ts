import { SubscriptionSlots } from './subscription-slots';

describe('SubscriptionSlots', () => {
  it('gives each subscription at most its share, independently of the others', () => {
    const slots = new SubscriptionSlots(2);
    expect([slots.tryTake('slow'), slots.tryTake('slow'), slots.tryTake('slow')]).toEqual([true, true, false]);
    expect([slots.tryTake('fast'), slots.tryTake('fast'), slots.tryTake('fast')]).toEqual([true, true, false]);
  });

  it('frees a slot when an attempt ends', () => {
    const slots = new SubscriptionSlots(1);
    expect(slots.tryTake('a')).toBe(true);
    expect(slots.tryTake('a')).toBe(false);
    slots.release('a');
    expect(slots.tryTake('a')).toBe(true);
    slots.release('a');
    slots.release('a'); // a stray release never makes room for more than the share
    expect([slots.tryTake('a'), slots.tryTake('a')]).toEqual([true, false]);
  });
});
