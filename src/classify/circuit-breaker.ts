/**
 * Stops calling the LLM while it is failing. After `failureThreshold` failures in a row the circuit opens
 * for a cool-down that doubles on each failed probe; then one probe request is let through (half-open).
 */
export interface CircuitBreaker {
  /** May a request go to the LLM now? In half-open state only one caller gets `true`. */
  tryAcquire(): boolean;
  success(): void;
  failure(retryAfterMs?: number): void;
  readonly state: 'closed' | 'open' | 'half_open';
  /** When an open circuit will let a probe through. */
  readonly reopensAt: number | undefined;
}

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  baseCooldownMs?: number;
  maxCooldownMs?: number;
  now?: () => number;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 3;
  const base = options.baseCooldownMs ?? 5_000;
  const max = options.maxCooldownMs ?? 300_000;
  const now = options.now ?? Date.now;

  let state: CircuitBreaker['state'] = 'closed';
  let consecutiveFailures = 0;
  let cooldown = base;
  let openUntil = 0;
  let probeInFlight = false;

  function open(retryAfterMs?: number): void {
    state = 'open';
    openUntil = now() + Math.max(cooldown, retryAfterMs ?? 0);
  }

  return {
    tryAcquire() {
      // Closed and healthy: everyone goes. Once a request has failed, one at a time until the provider answers or the
      // circuit opens, so a burst of residents in an outage's first seconds does not send a burst of requests.
      if (state === 'closed' && consecutiveFailures === 0) return true;
      if (state === 'closed') {
        if (probeInFlight) return false;
        probeInFlight = true;
        return true;
      }
      if (state === 'open' && now() >= openUntil) state = 'half_open';
      if (state === 'half_open' && !probeInFlight) {
        probeInFlight = true;
        return true;
      }
      return false;
    },
    success() {
      state = 'closed';
      consecutiveFailures = 0;
      cooldown = base;
      probeInFlight = false;
    },
    failure(retryAfterMs) {
      consecutiveFailures++;
      if (state === 'half_open') {
        probeInFlight = false;
        cooldown = Math.min(max, cooldown * 2);
        open(retryAfterMs);
      } else if (state === 'closed') {
        probeInFlight = false;
        // A 429 with retry-after is the provider asking us to stop: respect it at once.
        if (consecutiveFailures >= threshold || retryAfterMs !== undefined) open(retryAfterMs);
      }
    },
    get state() {
      if (state === 'open' && now() >= openUntil) return 'half_open';
      return state;
    },
    get reopensAt() {
      return state === 'open' ? openUntil : undefined;
    },
  };
}
