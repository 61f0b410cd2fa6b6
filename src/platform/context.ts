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
 */
export interface ExecutionContext {
  /** Runs fn with the given values visible to every async continuation it starts. */
  run<T>(values: Partial<ContextValues>, fn: () => T): T;
  get(): ContextValues | undefined;
  correlationId(): string | undefined;
  close(): void;
}

export function newCorrelationId(): string {
  return randomUUID();
}

const NAMESPACE = 'catalynx-execution-context';

export function createExecutionContext(): ExecutionContext {
  const ns: Namespace = getNamespace(NAMESPACE) ?? createNamespace(NAMESPACE);
  return {
    run<T>(values: Partial<ContextValues>, fn: () => T): T {
      const parent = ns.active ? (ns.get('values') as ContextValues | undefined) : undefined;
      const merged: ContextValues = {
        ...parent,
        ...values,
        correlationId: values.correlationId ?? parent?.correlationId ?? newCorrelationId(),
      };
      return ns.runAndReturn(() => {
        ns.set('values', merged);
        return fn();
      });
    },
    get() {
      return ns.active ? (ns.get('values') as ContextValues | undefined) : undefined;
    },
    correlationId() {
      return this.get()?.correlationId;
    },
    close() {
      // Nothing to release: the namespace is shared by the process (see above).
    },
  };
}
