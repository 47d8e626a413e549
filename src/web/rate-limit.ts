import { isIPv6 } from 'node:net';
import { HOUR, MINUTE } from '../domain/time.ts';

/**
 * Token buckets: per client and for everyone together. A request over either limit is refused with how long
 * to wait (429 + Retry-After); nothing is dropped silently. Memory is bounded: the oldest clients are forgotten
 * first (a forgotten client starts with a full bucket, which only ever errs towards letting a person through).
 */

export interface Bucket {
  /** Requests allowed at once. */
  capacity: number;
  /** Requests regained per millisecond. */
  perMs: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'client' | 'everyone' };

export interface RateLimiter {
  take(client: string, at: number): Admission;
}

interface State {
  tokens: number;
  at: number;
}

export const perHour = (count: number, burst: number): Bucket => ({ capacity: Math.max(1, Math.min(burst, count)), perMs: count / HOUR });
export const perMinute = (count: number): Bucket => ({ capacity: Math.max(1, count), perMs: count / MINUTE });

export function createRateLimiter(options: { client: Bucket; everyone: Bucket; maxClients?: number }): RateLimiter {
  const maxClients = options.maxClients ?? 50_000;
  const clients = new Map<string, State>();
  const everyone: State = { tokens: options.everyone.capacity, at: 0 };

  const refill = (state: State, bucket: Bucket, at: number) => {
    state.tokens = Math.min(bucket.capacity, state.tokens + Math.max(0, at - state.at) * bucket.perMs);
    state.at = at;
  };
  const wait = (state: State, bucket: Bucket) => Math.max(1, Math.ceil((1 - state.tokens) / bucket.perMs / 1000));

  return {
    take(client, at) {
      let state = clients.get(client);
      if (state) clients.delete(client);
      else state = { tokens: options.client.capacity, at };
      // Re-inserted: the Map's order is the order of last use, the first key the least recently seen.
      clients.set(client, state);
      if (clients.size > maxClients) clients.delete(clients.keys().next().value!);
      refill(state, options.client, at);
      refill(everyone, options.everyone, at);
      if (state.tokens < 1) return { ok: false, retryAfterSeconds: wait(state, options.client), scope: 'client' };
      if (everyone.tokens < 1) return { ok: false, retryAfterSeconds: wait(everyone, options.everyone), scope: 'everyone' };
      state.tokens -= 1;
      everyone.tokens -= 1;
      return { ok: true };
    },
  };
}

/**
 * The key a client is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address is the IPv4 address),
 * an IPv6 address by its /64 — one subscriber usually holds a whole /64 and could otherwise step through 2^64
 * addresses to escape the per-client limit.
 */
export function clientKey(address: string): string {
  const bare = address.trim().toLowerCase().split('%')[0]!;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::') as [string, string | undefined];
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const front = groupsOf(head);
  const back = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
