// Carries the correlation id (and other per-request/per-task values) through async calls, on cls-hooked.

import { createNamespace, destroyNamespace, type Namespace } from 'cls-hooked';
import { randomUUID } from 'node:crypto';

export interface ContextValues {
  correlationId: string;
  [key: string]: unknown;
}

/**
 * One context store per composition root. cls-hooked keeps namespaces in a process-wide
 * registry, so each store gets a unique name and `close()` removes it again.
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

export function createExecutionContext(): ExecutionContext {
  const name = `catalynx-context-${randomUUID()}`;
  const ns: Namespace = createNamespace(name);
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
      destroyNamespace(name);
    },
  };
}
