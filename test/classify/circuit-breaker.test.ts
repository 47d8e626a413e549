import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/classify/circuit-breaker.ts';

describe('circuit breaker', () => {
  it('lets everyone through while healthy, and one request at a time once a request has failed', () => {
    const breaker = createCircuitBreaker({ now: () => 0 });
    expect([breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, true, true]);
    breaker.failure();
    // A burst arriving now: one goes, the rest use the offline classifier.
    expect([breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, false, false]);
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect([breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, false]);
    breaker.success();
    expect([breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, true, true]);
  });

  it('opens after three failures in a row and lets one probe through after the cool-down', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ now: () => now, baseCooldownMs: 5_000 });
    for (let i = 0; i < 3; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    now = 5_000;
    expect([breaker.tryAcquire(), breaker.tryAcquire()]).toEqual([true, false]);
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 15_000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
  });
});
