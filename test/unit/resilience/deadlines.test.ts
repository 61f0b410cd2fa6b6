import { createDeadlines } from '../../../src/resilience/deadlines';

describe('deadlines on one timer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const clock = () => Date.now();

  it('fires each deadline once its time has passed, in deadline order across lengths', () => {
    const deadlines = createDeadlines({ now: clock });
    const fired: string[] = [];
    deadlines.set(300, () => fired.push('a300'));
    deadlines.set(100, () => fired.push('b100'));
    jest.advanceTimersByTime(50);
    deadlines.set(100, () => fired.push('c100'));
    deadlines.set(200, () => fired.push('d200'));
    jest.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['b100']);
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['b100', 'c100']);
    jest.advanceTimersByTime(100);
    expect(fired).toEqual(['b100', 'c100', 'd200']);
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['b100', 'c100', 'd200', 'a300']);
    expect(deadlines.size()).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps its timer armed but unreferenced while no deadline is left, and referenced again with one', () => {
    jest.useRealTimers();
    const deadlines = createDeadlines();
    const timers: NodeJS.Timeout[] = [];
    const realSetTimeout = global.setTimeout;
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms: number) => {
      const t = realSetTimeout(fn, ms);
      timers.push(t);
      return t;
    }) as typeof setTimeout);
    try {
      const first = deadlines.set(60_000, () => undefined);
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(true);
      deadlines.cancel(first);
      expect(timers[0]!.hasRef()).toBe(false);
      const second = deadlines.set(60_000, () => undefined);
      // Due after the armed one: the same timer, referenced again.
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(true);
      deadlines.cancel(second);
    } finally {
      spy.mockRestore();
      for (const t of timers) clearTimeout(t);
    }
  });

  it('never fires a cancelled deadline, and holds no timer once the last one has passed', () => {
    const deadlines = createDeadlines({ now: clock });
    const fired: string[] = [];
    const first = deadlines.set(100, () => fired.push('first'));
    const second = deadlines.set(100, () => fired.push('second'));
    deadlines.set(100, () => fired.push('third'));
    deadlines.cancel(second);
    deadlines.cancel(first);
    deadlines.cancel(first);
    expect(deadlines.size()).toBe(1);
    jest.advanceTimersByTime(100);
    expect(fired).toEqual(['third']);
    const last = deadlines.set(1000, () => fired.push('never'));
    deadlines.cancel(last);
    jest.advanceTimersByTime(2000);
    expect(fired).toEqual(['third']);
    // The timer fired at the cancelled deadline, found nothing and was not armed again.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('lets the other deadlines fire when one handler throws, and still surfaces the throw', () => {
    const reported: unknown[] = [];
    const deadlines = createDeadlines({ now: clock, reportError: (err) => reported.push(err) });
    const fired: string[] = [];
    deadlines.set(10, () => {
      throw new Error('handler bug');
    });
    deadlines.set(10, () => fired.push('other'));
    jest.advanceTimersByTime(10);
    expect(fired).toEqual(['other']);
    expect(reported).toEqual([new Error('handler bug')]);
  });

  it('waits out a deadline beyond the longest timer delay instead of firing at once', () => {
    const deadlines = createDeadlines({ now: clock });
    const fired: string[] = [];
    const thirtyDays = 30 * 24 * 3600 * 1000;
    deadlines.set(thirtyDays, () => fired.push('late'));
    jest.advanceTimersByTime(2 ** 31);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(thirtyDays - 2 ** 31);
    expect(fired).toEqual(['late']);
  });

  it('arms its timer through the given wrapper', () => {
    let armed = 0;
    const deadlines = createDeadlines({
      now: clock,
      arm: (arm) => {
        armed += 1;
        arm();
      },
    });
    deadlines.set(100, () => undefined);
    deadlines.set(100, () => undefined);
    deadlines.set(50, () => undefined);
    expect(armed).toBe(2);
  });
});
