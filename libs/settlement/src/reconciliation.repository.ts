import type { Tx } from '@danbao/platform';
import { dayBounds, type LineOutcome, type Mismatch, type ReconciliationLine } from './reconciliation.match';

/*
 * Reconciliation's SQL. It READS the `payments` table of checkout and the `refunds` table of
 * channels directly: settlement may not import checkout (checkout imports settlement), and a
 * report's read-only look at rows another lib owns changes nothing of theirs. It never writes them.
 * Its own table is `reconciliation_reports`.
 */

interface OursRow {
  reference: string;
  channel_reference: string | null;
  amount: string;
  currency: string;
  status: string;
}

const OUTCOMES: Record<ReconciliationLine['type'], Record<string, LineOutcome>> = {
  payment: { processing: 'pending', succeeded: 'succeeded', failed: 'failed' },
  refund: { requested: 'pending', succeeded: 'succeeded', failed: 'failed' },
  payout: { pending: 'pending', in_transit: 'pending', paid: 'succeeded', failed: 'failed' },
};

const TABLES: Record<ReconciliationLine['type'], string> = {
  payment: 'payments',
  refund: 'refunds',
  payout: 'payouts',
};

const TYPES = Object.keys(TABLES) as ReconciliationLine['type'][];

const toLine =
  (type: ReconciliationLine['type']) =>
  (row: OursRow): ReconciliationLine => ({
    type,
    reference: row.reference,
    channelReference: row.channel_reference,
    amount: BigInt(row.amount),
    currency: row.currency,
    status: row.status,
    outcome: OUTCOMES[type][row.status] ?? 'pending',
  });

const COLUMNS = 'id AS reference, channel_reference, amount, currency, status';

/** A stored mismatch: its lines' amounts as decimal strings. */
type StoredLine = Omit<ReconciliationLine, 'amount'> & { amount: string };
type StoredMismatch = Omit<Mismatch, 'ours' | 'theirs'> & { ours?: StoredLine; theirs?: StoredLine };

export interface StoredReport {
  date: string;
  clean: boolean;
  mismatches: Mismatch[];
  counts: { ours: number; theirs: number; matched: number };
  checkedAt: Date;
}

const storeLine = (line: ReconciliationLine | undefined): StoredLine | undefined =>
  line && { ...line, amount: line.amount.toString() };
const loadLine = (line: StoredLine | undefined): ReconciliationLine | undefined =>
  line && { ...line, amount: BigInt(line.amount) };

export class ReconciliationRepository {
  /** Our payments, refunds and payouts created on a UTC day, oldest first. */
  async oursOfDay(tx: Tx, date: string): Promise<ReconciliationLine[]> {
    const { from, to } = dayBounds(date);
    const lines: ReconciliationLine[] = [];
    for (const type of TYPES) {
      const rows = await tx.query<OursRow[]>(
        `SELECT ${COLUMNS} FROM ${TABLES[type]} WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id`,
        [from, to],
      );
      lines.push(...rows.map(toLine(type)));
    }
    return lines;
  }

  /** Our records of these references, whatever day they were created (a midnight straddle). */
  async oursByReference(
    tx: Tx,
    references: { type: ReconciliationLine['type']; reference: string }[],
  ): Promise<ReconciliationLine[]> {
    const lines: ReconciliationLine[] = [];
    for (const type of TYPES) {
      const ids = [...new Set(references.filter((line) => line.type === type).map((line) => line.reference))];
      for (let start = 0; start < ids.length; start += 1000) {
        const chunk = ids.slice(start, start + 1000);
        const rows = await tx.query<OursRow[]>(
          `SELECT ${COLUMNS} FROM ${TABLES[type]} WHERE id IN (${chunk.map(() => '?').join(', ')}) ORDER BY created_at, id`,
          chunk,
        );
        lines.push(...rows.map(toLine(type)));
      }
    }
    return lines;
  }

  /** The kept report of a day, if it has one. */
  async find(tx: Tx, date: string): Promise<StoredReport | undefined> {
    const [row] = await tx.query<
      {
        date: string;
        clean: number;
        mismatches: string;
        ours_count: number;
        theirs_count: number;
        matched_count: number;
        checked_at: Date;
      }[]
    >(
      `SELECT DATE_FORMAT(date, '%Y-%m-%d') AS date, clean, mismatches, ours_count, theirs_count, matched_count, checked_at
       FROM reconciliation_reports WHERE date = ?`,
      [date],
    );
    if (!row) return undefined;
    const stored = JSON.parse(row.mismatches) as StoredMismatch[];
    return {
      date: row.date,
      clean: Boolean(row.clean),
      mismatches: stored.map((mismatch) => ({
        kind: mismatch.kind,
        reference: mismatch.reference,
        ...(mismatch.ours ? { ours: loadLine(mismatch.ours) } : {}),
        ...(mismatch.theirs ? { theirs: loadLine(mismatch.theirs) } : {}),
      })),
      counts: { ours: row.ours_count, theirs: row.theirs_count, matched: row.matched_count },
      checkedAt: row.checked_at,
    };
  }

  /** Keeps a day's report, replacing the one it had (a later run knows more). */
  async save(tx: Tx, report: StoredReport): Promise<void> {
    const mismatches: StoredMismatch[] = report.mismatches.map((mismatch) => ({
      kind: mismatch.kind,
      reference: mismatch.reference,
      ...(mismatch.ours ? { ours: storeLine(mismatch.ours) } : {}),
      ...(mismatch.theirs ? { theirs: storeLine(mismatch.theirs) } : {}),
    }));
    await tx.query(
      `INSERT INTO reconciliation_reports (date, clean, mismatches, ours_count, theirs_count, matched_count, checked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE clean = VALUES(clean), mismatches = VALUES(mismatches), ours_count = VALUES(ours_count),
         theirs_count = VALUES(theirs_count), matched_count = VALUES(matched_count), checked_at = VALUES(checked_at)`,
      [
        report.date,
        report.clean,
        JSON.stringify(mismatches),
        report.counts.ours,
        report.counts.theirs,
        report.counts.matched,
        report.checkedAt,
      ],
    );
  }
}
