// The flag snapshot and its refresher: what a process answers between database reloads.

import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger';
import { createNotifier } from '../../../src/platform/notifier';
import { createFlagSnapshot, type VersionedFlag } from '../../../src/modules/flags/feature-flags';
import { createFlagsRefresher } from '../../../src/modules/flags/flags-refresher';
import { FLAGS_CHANNEL } from '../../../src/modules/flags/flag-store';

const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;

const flag = (name: string, state: VersionedFlag['state'], version: number): VersionedFlag => ({
  name,
  state,
  rollout_percentage: 0,
  conditions: [],
  description: '',
  version,
});

/** A manual interval: the test fires ticks itself instead of waiting. */
function manualTimer() {
  const ticks: (() => void)[] = [];
  return {
    setInterval: (fn: () => void) => {
      ticks.push(fn);
      return {};
    },
    clearInterval: () => {
      ticks.splice(0);
    },
    tick: () => ticks.forEach((fn) => fn()),
    active: () => ticks.length,
  };
}

describe('flag snapshot', () => {
  it('answers unknown flags as off with unknown_flag', () => {
    const snapshot = createFlagSnapshot();
    expect(snapshot.isEnabled('nope')).toBe(false);
    expect(snapshot.evaluate('nope', { user_id: 'u' })).toEqual({ enabled: false, reason: 'unknown_flag' });
  });

  it('keeps a flag this process wrote when a reload started before the write brings the older version', () => {
    const snapshot = createFlagSnapshot([flag('a', 'disabled', 1), flag('gone', 'enabled', 1)]);
    snapshot.apply(flag('a', 'enabled', 2));
    snapshot.replaceAll([flag('a', 'disabled', 1)]);
    expect(snapshot.isEnabled('a')).toBe(true);
    // A full reload is the whole truth for other flags.
    expect(snapshot.list().map((f) => f.name)).toEqual(['a']);
    snapshot.apply(flag('a', 'disabled', 1));
    expect(snapshot.isEnabled('a')).toBe(true);
  });
});

describe('flags refresher', () => {
  function setup() {
    let stored = [flag('a', 'disabled', 1)];
    const load = jest.fn(async () => stored);
    const timer = manualTimer();
    const notifier = createNotifier({ redis: null, logger });
    const snapshot = createFlagSnapshot();
    const refresher = createFlagsRefresher({ snapshot, load, notifier, logger, intervalMs: 1000, ...timer });
    return { load, timer, notifier, snapshot, refresher, store: (flags: VersionedFlag[]) => (stored = flags) };
  }

  it('loads at start, on each interval and at once on a flags notification', async () => {
    const { load, timer, notifier, snapshot, refresher, store } = setup();
    await refresher.start();
    await refresher.start();
    expect(load).toHaveBeenCalledTimes(1);
    expect(snapshot.evaluate('a').reason).toBe('disabled');

    store([flag('a', 'enabled', 2)]);
    timer.tick();
    await refresher.refresh();
    expect(snapshot.isEnabled('a')).toBe(true);

    store([flag('a', 'disabled', 3)]);
    notifier.publish(FLAGS_CHANNEL, 'a');
    await refresher.refresh();
    expect(snapshot.isEnabled('a')).toBe(false);

    await refresher.stop();
    expect(timer.active()).toBe(0);
    const calls = load.mock.calls.length;
    notifier.publish(FLAGS_CHANNEL, 'a');
    expect(load).toHaveBeenCalledTimes(calls);
  });

  it('keeps the last snapshot when a reload fails, and fails start when the first load does', async () => {
    const { load, snapshot, refresher } = setup();
    await refresher.start();
    load.mockRejectedValueOnce(new Error('database down'));
    await refresher.refresh();
    expect(snapshot.evaluate('a').reason).toBe('disabled');

    const failing = createFlagsRefresher({
      snapshot: createFlagSnapshot(),
      load: () => Promise.reject(new Error('no database')),
      notifier: createNotifier({ redis: null, logger }),
      logger,
      intervalMs: 1000,
      ...manualTimer(),
    });
    await expect(failing.start()).rejects.toThrow('no database');
    await refresher.stop();
  });

  it('runs one more load when woken during a load, so a change committed mid-load is not missed', async () => {
    const { load, snapshot, refresher, store } = setup();
    await refresher.start();
    let release!: () => void;
    load.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve([flag('a', 'disabled', 1)]))));
    const first = refresher.refresh();
    store([flag('a', 'enabled', 2)]);
    void refresher.refresh();
    release();
    await first;
    expect(snapshot.isEnabled('a')).toBe(true);
    await refresher.stop();
  });
});
