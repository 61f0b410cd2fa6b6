// Settles like the given promise, or rejects with the signal's reason as soon as the signal aborts, whichever comes first.
//
// Used where "abort stops waiting at once" must hold even if the awaited work ignores its
// signal. The abandoned promise keeps running; its later settlement is observed and dropped,
// so it never becomes an unhandled rejection. The abort listener is removed on settlement,
// so a long-lived signal does not accumulate listeners across many calls. `onSettled` runs once,
// when the returned promise settles (clean-up without a `.finally` chain: every promise costs an
// async-hook round on the hot path, see src/platform/context.ts).

export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onSettled?: () => void): Promise<T> {
  if (signal === undefined) {
    if (onSettled === undefined) return work;
    return new Promise<T>((resolve, reject) => {
      work.then(
        (value) => {
          onSettled();
          resolve(value);
        },
        (error: unknown) => {
          onSettled();
          reject(error);
        },
      );
    });
  }
  if (signal.aborted) {
    work.catch(() => undefined);
    onSettled?.();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      onSettled?.();
      return true;
    };
    const onAbort = (): void => {
      if (settle()) reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (settle()) resolve(value);
      },
      (error: unknown) => {
        if (settle()) reject(error);
      },
    );
  });
}

/** The reason the signal was aborted with (a DOMException "AbortError" when none was given). */
export function abortReason(signal: AbortSignal): unknown {
  // AbortSignal.reason is typed `any` by @types/node; narrow it to unknown at once.
  const reason: unknown = signal.reason;
  return reason;
}
