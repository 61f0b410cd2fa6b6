// The public API of the resilience building blocks: backoff, timeouts, retry and the circuit breaker.

export { computeBackoffMs, type BackoffOptions, type Jitter } from './backoff';
export { sleep } from './sleep';
export { withTimeout, type WithTimeoutOptions } from './timeout';
export { retry, type RetryInfo, type RetryOptions } from './retry';
export {
  assertBreakerPolicyOptions,
  decide,
  initialSnapshot,
  recordFailure,
  recordSuccess,
  releaseTrial,
  type BreakerCall,
  type BreakerDecision,
  type BreakerPolicyOptions,
  type BreakerSnapshot,
  type BreakerState,
} from './circuit-breaker-policy';
export { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
export { ResilienceError } from './resilience-error';
export { TimeoutError } from './timeout-error';
export { CircuitOpenError } from './circuit-open-error';
