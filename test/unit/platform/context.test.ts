import { createExecutionContext } from '../../../src/platform/context';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('execution context', () => {
  const context = createExecutionContext();

  it('carries values through awaits, timers and promise reactions started inside run', async () => {
    const seen: (string | undefined)[] = [];
    await context.run({ correlationId: 'c-1' }, async () => {
      seen.push(context.correlationId());
      await tick();
      seen.push(context.correlationId());
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(context.correlationId());
          resolve();
        }, 1),
      );
      await Promise.resolve().then(() => seen.push(context.correlationId()));
    });
    expect(seen).toEqual(['c-1', 'c-1', 'c-1', 'c-1']);
    expect(context.get()).toBeUndefined();
  });

  it('keeps concurrent runs apart', async () => {
    const run = (id: string) =>
      context.run({ correlationId: id }, async () => {
        await tick();
        await tick();
        return context.correlationId();
      });
    expect(await Promise.all([run('a'), run('b'), run('c')])).toEqual(['a', 'b', 'c']);
  });

  it('makes a correlation id when none is given, and a nested run inherits the values it does not set', () => {
    context.run({}, () => {
      const outer = context.correlationId();
      expect(outer).toMatch(/^[0-9a-f-]{36}$/);
      context.run({ taskId: 't-1' }, () => {
        expect(context.get()).toEqual({ correlationId: outer, taskId: 't-1' });
      });
      expect(context.get()).toEqual({ correlationId: outer });
    });
  });

  it('runDetached does not inherit the caller’s values, and without values runs outside any context', async () => {
    await context.run({ correlationId: 'request', requestOnly: true }, async () => {
      const detached = context.runDetached({ correlationId: 'task' }, async () => {
        await tick();
        return context.get();
      });
      expect(await detached).toEqual({ correlationId: 'task' });
      const outside = context.runDetached(undefined, async () => {
        await tick();
        return context.get();
      });
      expect(await outside).toBeUndefined();
      expect(context.correlationId()).toBe('request');
    });
  });

  it('does not chain contexts when each run starts the next from inside the last (a worker handing off tasks)', async () => {
    // cls-hooked's own run() would link each new context to the active one by its prototype.
    const ns = (process as unknown as { namespaces: Record<string, { active: object | null }> }).namespaces['catalynx-execution-context']!;
    const depth = (o: object | null): number => {
      let n = 0;
      for (let p = o; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) n += 1;
      return n;
    };
    let last: { values: unknown; depth: number } | undefined;
    await new Promise<void>((resolve) => {
      const step = (n: number) =>
        context.run({ correlationId: `task-${n}` }, () => {
          void Promise.resolve().then(() => {
            if (n < 2000) return step(n + 1);
            last = { values: context.get(), depth: depth(ns.active) };
            resolve();
          });
        });
      step(1);
    });
    expect(last).toEqual({ values: { correlationId: 'task-2000' }, depth: 1 });
  });

  it('bind runs a function in the context active when it was bound, wherever it is called from', async () => {
    const seen: (string | undefined)[] = [];
    const bound = context.run({ correlationId: 'bound-here' }, () => context.bind((suffix: string) => seen.push(`${context.correlationId()}${suffix}`)));
    const outside = context.runDetached(undefined, () => context.bind(() => seen.push(String(context.correlationId()))));
    context.run({ correlationId: 'caller' }, () => {
      bound('!');
      outside();
      seen.push(context.correlationId() ?? 'lost');
    });
    expect(seen).toEqual(['bound-here!', 'undefined', 'caller']);
  });
});
