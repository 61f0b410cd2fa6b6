// Settles like the given promise, or rejects with the signal's reason as soon as the signal aborts, whichever comes first.
//
// Used where "abort stops waiting at once" must hold even if the awaited work ignores its
// signal. The abandoned promise keeps running; its later settlement is observed and dropped,
// so it never becomes an unhandled rejection. The abort listener is removed on settlement,
// so a long-lived signal does not accumulate listeners across many calls.

export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
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
