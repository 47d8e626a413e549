import type { FaultHandle, FaultSpec } from './types.ts';

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  remaining: number;
  hits: number;
}

/** Faults waiting to hit Bot API calls, first registered first. */
export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): FaultHandle {
    const times = spec.times ?? 1;
    if (!(times > 0)) throw new Error('emulator: a fault needs times > 0');
    const fault: ActiveFault = { id: this.nextId++, spec, remaining: times, hits: 0 };
    this.faults.push(fault);
    const remove = (): void => {
      this.faults = this.faults.filter((f) => f !== fault);
    };
    return {
      id: fault.id,
      get hits() {
        return fault.hits;
      },
      get remaining() {
        return fault.remaining;
      },
      remove,
    };
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching this call, counted as used; undefined when the call goes through. */
  take(method: string, params: Record<string, unknown>): FaultSpec | undefined {
    const fault = this.faults.find((f) => matches(f.spec, method, params));
    if (!fault) return undefined;
    fault.hits++;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.spec;
  }
}

function matches(spec: FaultSpec, method: string, params: Record<string, unknown>): boolean {
  if (spec.method !== undefined) {
    if (typeof spec.method === 'string') {
      if (spec.method.toLowerCase() !== method.toLowerCase()) return false;
    } else {
      spec.method.lastIndex = 0;
      if (!spec.method.test(method)) return false;
    }
  }
  if (spec.chatId !== undefined && Number(params.chat_id) !== spec.chatId) return false;
  return true;
}
