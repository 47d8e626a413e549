import { describe, expect, it } from 'vitest';
import { reopenedStatus } from '../../src/problems/problem.ts';
import { openDatabase } from '../../src/db/database.ts';
import { queueForEach } from '../../src/outbox/broadcast.ts';
import { createOutbox } from '../../src/outbox/outbox.ts';
import { createUnitRegistry } from '../../src/units/unit-registry.ts';

/** Rules that had two or more copies (issue 12) and now live once: each is checked here where it lives. */
describe('one home per rule', () => {
  it('a reopened problem goes back to its responsible unit, or is new again when none was assigned', () => {
    expect(reopenedStatus({ responsibleUnitId: 'yz' })).toBe('assigned');
    expect(reopenedStatus({ responsibleUnitId: null })).toBe('new');
  });

  it("a unit's display name is the directory's name, or its id when the directory does not know it", () => {
    const db = openDatabase(':memory:');
    try {
      const units = createUnitRegistry(db, () => 0);
      const unit = units.all()[0]!;
      expect(units.displayName(unit.id)).toBe(unit.name);
      expect(units.displayName('gone-unit')).toBe('gone-unit');
    } finally {
      db.close();
    }
  });

  it('a message for every staff chat is queued once per chat, built only when there is a chat, and never twice', () => {
    const db = openDatabase(':memory:');
    try {
      const outbox = createOutbox(db, () => 1000);
      let built = 0;
      const message = () => (built++, { type: 'text' as const, html: 'notice' });
      expect(queueForEach(outbox, [], { key: 'k', kind: 'notice', message })).toBe(false);
      expect(built).toBe(0);
      expect(queueForEach(outbox, [-1, -2], { key: 'k', kind: 'notice', message })).toBe(true);
      expect(built).toBe(1);
      expect(queueForEach(outbox, [-1, -2], { key: 'k', kind: 'notice', message })).toBe(false);
      const rows = outbox.due(2000, 10);
      expect(rows.map((r) => [r.chatId, r.dedupeKey])).toEqual([
        [-1, 'k:-1'],
        [-2, 'k:-2'],
      ]);
    } finally {
      db.close();
    }
  });
});
