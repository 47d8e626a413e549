import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isBusyError, type Db } from './database.ts';

/**
 * One running bot per database. Two would each send every queued message (the outbox is read, not
 * claimed) and fight over getUpdates. Node has no OS-level file lock, so the lock is a lease row in the
 * database itself: taken in an IMMEDIATE transaction (two starts cannot both win), renewed by a heartbeat,
 * deleted on stop. It cannot outlive a crash: a holder on this host whose pid is gone is taken over at
 * once. A holder on this host that lives is never taken over, however long it has been silent (a stopped
 * or paused process resumes and would send beside the new one): the process start time recorded in the
 * lease tells it from a later process that reuses its pid. A holder on another host, or where /proc cannot
 * tell, is taken over once its heartbeat is older than `staleMs`.
 * Only the long-running bot takes it; tools and tests that open the database do not.
 */

export const LOCK_STALE_MS = 30_000;
export const LOCK_HEARTBEAT_MS = 5_000;

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: number;
  heartbeatAt: number;
}

export interface InstanceLock {
  readonly owner: string;
  /** Renew the lease; false when another instance has taken it (this one must stop). */
  heartbeat(): boolean;
  /** Is the lease still ours? A read, for a check before acting (the outbox sender before a batch). */
  held(): boolean;
  /** Let go (only if still ours). */
  release(): void;
}

export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
  constructor(readonly holder: LockHolder) {
    super(
      `another Minyi is already running on this database (pid ${holder.pid} on ${holder.host}, ` +
        `last seen ${Math.max(0, Math.round((Date.now() - holder.heartbeatAt) / 1000))} s ago); stop it first`,
    );
  }
}

export interface InstanceLockOptions {
  /** Wall-clock time (not a test's fake clock): leases are compared across processes. */
  now?: () => number;
  staleMs?: number;
  pid?: number;
  host?: string;
  /** Does a process with this pid exist on this host? */
  isAlive?: (pid: number) => boolean;
  /** Which process has this pid (boot and start time), undefined where it cannot be told; default /proc. */
  startIdentity?: (pid: number) => string | undefined;
}

interface LockRow {
  owner: string;
  pid: number;
  host: string;
  started_at: number;
  heartbeat_at: number;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `<boot id>:<start time in clock ticks>` of the process with this pid, from /proc (Linux); undefined when
 * there is no such process, it has exited (a zombie), or there is no /proc.
 */
export function processStartIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const start = fields[19];
    if (!start || !/^\d+$/.test(start)) return undefined;
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${start}`;
  } catch {
    return undefined;
  }
}

// The owner column holds `<uuid>` or `<uuid>@<start identity>`: no schema change for older databases.
const identityIn = (owner: string): string | undefined => {
  const at = owner.indexOf('@');
  return at === -1 ? undefined : owner.slice(at + 1);
};

const toHolder = (row: LockRow): LockHolder => ({ pid: row.pid, host: row.host, startedAt: row.started_at, heartbeatAt: row.heartbeat_at });

/** The live holder of the lock, if any (e.g. a restore tool refusing to overwrite a running bot's database). */
export function instanceLockHolder(db: Db, options: InstanceLockOptions = {}): LockHolder | undefined {
  const row = db.prepare(`SELECT owner, pid, host, started_at, heartbeat_at FROM instance_lock WHERE id = 1`).get() as LockRow | undefined;
  return row && isLive(row, options) ? toHolder(row) : undefined;
}

// Leases held by this process: a row with our own pid that is not among them is from an earlier life of
// this pid (a container's bot restarted as pid 1), not from a live instance.
const heldHere = new Set<string>();

function isLive(row: LockRow, options: InstanceLockOptions): boolean {
  const now = options.now ?? Date.now;
  const host = options.host ?? hostname();
  const alive = options.isAlive ?? processAlive;
  const fresh = now() - row.heartbeat_at < (options.staleMs ?? LOCK_STALE_MS);
  if (row.host !== host) return fresh;
  if (row.pid === (options.pid ?? process.pid)) return heldHere.has(row.owner);
  if (!alive(row.pid)) return false;
  // Alive on this host: the holder itself, however long it was silent, unless its pid now names another process.
  const recorded = identityIn(row.owner);
  const current = (options.startIdentity ?? processStartIdentity)(row.pid);
  if (recorded !== undefined && current !== undefined) return recorded === current;
  return fresh;
}

/** Take the lock or throw InstanceLockedError naming the holder. */
export function acquireInstanceLock(db: Db, options: InstanceLockOptions = {}): InstanceLock {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const identity = (options.startIdentity ?? processStartIdentity)(pid);
  const owner = identity === undefined ? randomUUID() : `${randomUUID()}@${identity}`;
  const host = options.host ?? hostname();
  const current = db.prepare(`SELECT owner, pid, host, started_at, heartbeat_at FROM instance_lock WHERE id = 1`);
  const take = db.prepare(
    `INSERT INTO instance_lock (id, owner, pid, host, started_at, heartbeat_at) VALUES (1, @owner, @pid, @host, @at, @at)
     ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
       started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
  );
  const renew = db.prepare(`UPDATE instance_lock SET heartbeat_at = ? WHERE id = 1 AND owner = ?`);
  const drop = db.prepare(`DELETE FROM instance_lock WHERE id = 1 AND owner = ?`);
  const mine = db.prepare(`SELECT 1 FROM instance_lock WHERE id = 1 AND owner = ?`);

  db.transaction(() => {
    const row = current.get() as LockRow | undefined;
    if (row && isLive(row, options)) throw new InstanceLockedError(toHolder(row));
    take.run({ owner, pid, host, at: now() });
  }).immediate();
  heldHere.add(owner);

  return {
    owner,
    heartbeat() {
      try {
        return renew.run(now(), owner).changes === 1;
      } catch (error) {
        // Another process holds the write lock for a moment: the lease is still ours; renew next beat.
        if (isBusyError(error)) return true;
        throw error;
      }
    },
    held() {
      try {
        return mine.get(owner) !== undefined;
      } catch (error) {
        // A write in progress elsewhere: as with heartbeat, the lease is ours until shown otherwise.
        if (isBusyError(error)) return true;
        throw error;
      }
    },
    release() {
      heldHere.delete(owner);
      try {
        drop.run(owner);
      } catch (error) {
        // Left behind, the row is taken over at the next start (our pid is gone by then).
        if (!isBusyError(error)) throw error;
      }
    },
  };
}
