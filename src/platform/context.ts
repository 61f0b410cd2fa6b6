// Carries the correlation id (and other per-request/per-task values) through async calls, on cls-hooked.

import { createNamespace, getNamespace, type Namespace } from 'cls-hooked';
import { randomUUID } from 'node:crypto';

export interface ContextValues {
  correlationId: string;
  [key: string]: unknown;
}

/**
 * The execution context of a composition root. Every cls-hooked namespace installs an async hook
 * that is never removed (its destroyNamespace only forgets the name), so all contexts of a process
 * share one namespace: values are per `run()` call, so sharing it changes no behaviour, and a
 * process that builds many platforms (tests, benchmarks) does not pile up hooks on every await.
 *
 * The hook runs for every promise the process creates (an init and a destroy each), so hot paths
 * keep their promise count low (see src/modules/tasks/task-worker.ts).
 */
export interface ExecutionContext {
  /**
   * Runs fn with the given values visible to every async continuation it starts. Values not
   * given are inherited from the caller's context (a correlation id is made when there is none).
   */
  run<T>(values: Partial<ContextValues>, fn: () => T): T;
  /**
   * Runs fn in a context of its own that does not inherit the caller's values: for work that is
   * not part of what the caller is doing (a worker starting its next task at the end of the last
   * one). Without values, fn and everything it starts run outside any context.
   */
  runDetached<T>(values: Partial<ContextValues> | undefined, fn: () => T): T;
  /**
   * fn, bound to the context active now: wherever it is called later (a callback a batch
   * settles), it runs in this context, as a promise reaction registered now would.
   */
  bind<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  get(): ContextValues | undefined;
  correlationId(): string | undefined;
  close(): void;
}

export function newCorrelationId(): string {
  return randomUUID();
}

const NAMESPACE = 'catalynx-execution-context';

/**
 * A context as cls-hooked stores it. Each run gets a flat object of its own: cls-hooked's `run`
 * would chain a new context onto the active one through its prototype, so a worker that starts
 * task after task from the end of the previous one would grow that chain without end.
 */
interface StoredContext {
  values: ContextValues | undefined;
}

/** Entered by runDetached without values: async work started there carries no values. */
const OUTSIDE: StoredContext = Object.freeze({ values: undefined });

export function createExecutionContext(): ExecutionContext {
  const ns: Namespace = getNamespace(NAMESPACE) ?? createNamespace(NAMESPACE);

  const current = (): ContextValues | undefined => (ns.active as StoredContext | null)?.values;

  const within = <T>(context: StoredContext, fn: () => T): T => {
    ns.enter(context);
    try {
      return fn();
    } finally {
      ns.exit(context);
    }
  };

  const valuesFrom = (parent: ContextValues | undefined, values: Partial<ContextValues>): ContextValues => ({
    ...parent,
    ...values,
    correlationId: values.correlationId ?? parent?.correlationId ?? newCorrelationId(),
  });

  return {
    run(values, fn) {
      return within({ values: valuesFrom(current(), values) }, fn);
    },
    runDetached(values, fn) {
      return within(values === undefined ? OUTSIDE : { values: valuesFrom(undefined, values) }, fn);
    },
    bind(fn) {
      const context = (ns.active as StoredContext | null) ?? OUTSIDE;
      return (...args) => within(context, () => fn(...args));
    },
    get: current,
    correlationId() {
      return current()?.correlationId;
    },
    close() {
      // Nothing to release: the namespace is shared by the process (see above).
    },
  };
}
