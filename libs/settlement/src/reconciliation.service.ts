import { Inject, Injectable, Logger } from '@nestjs/common';
import { type ChannelReportLine, PaymentChannels } from '@danbao/channels';
import { LedgerService } from '@danbao/ledger';
import { Database } from '@danbao/platform';
import {
  addDays,
  dayEnded,
  ledgerReferencesOf,
  matchReport,
  missingLedger,
  type ReconciliationLine,
  sortMismatches,
} from './reconciliation.match';
import { ReconciliationRepository, type StoredReport } from './reconciliation.repository';

/** A day's reconciliation: every mismatch found between our records and the channels' reports. */
export type ReconciliationReport = StoredReport;

const keyOf = (line: { type: string; reference: string }): string => `${line.type} ${line.reference}`;

const theirLine = (line: ChannelReportLine): ReconciliationLine => ({
  type: line.type,
  reference: line.reference,
  channelReference: line.channelReference,
  amount: line.amount,
  currency: line.currency,
  status: line.status,
  outcome: line.status,
});

/**
 * Daily reconciliation: each channel's settlement report of a UTC day ("theirs") against our
 * payments, refunds and payouts created that day ("ours"), line by line, and each of ours that
 * succeeded against the ledger transaction it must have. A record straddling midnight (ours at
 * 23:59:59.9, the channel's a moment later) is no mismatch: every reference of the day on EITHER
 * side is looked up on the other side whatever its day (ours by id; theirs in the neighbouring
 * days' reports). A day's report is kept once the day has ended.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);
  private readonly repository = new ReconciliationRepository();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(PaymentChannels) private readonly channels: PaymentChannels,
  ) {}

  /** The kept report of a day, or a run of it now when it has none (or `refresh`). */
  async report(
    date: string,
    options: { refresh?: boolean } = {},
    now = new Date(),
  ): Promise<ReconciliationReport> {
    if (!options.refresh) {
      const stored = await this.repository.find(this.db, date);
      if (stored) return stored;
    }
    return this.run(date, now);
  }

  /** Reconciles a day now; keeps the report when the day has ended (today's is partial). */
  async run(date: string, now = new Date()): Promise<ReconciliationReport> {
    const theirsOfDay = await this.theirReport(date);
    const oursOfDay = await this.repository.oursOfDay(this.db, date);

    // The other side of each reference of the day, whatever its day.
    const theirKeys = new Set(theirsOfDay.map(keyOf));
    const oursKeys = new Set(oursOfDay.map(keyOf));
    const oursElsewhere = await this.repository.oursByReference(
      this.db,
      theirsOfDay.filter((line) => !oursKeys.has(keyOf(line))),
    );
    const unmatchedOurs = new Set(oursOfDay.filter((line) => !theirKeys.has(keyOf(line))).map(keyOf));
    const theirsElsewhere: ReconciliationLine[] = [];
    if (unmatchedOurs.size > 0) {
      for (const day of [addDays(date, -1), addDays(date, 1)]) {
        theirsElsewhere.push(
          ...(await this.theirReport(day)).filter((line) => unmatchedOurs.has(keyOf(line))),
        );
      }
    }

    const { mismatches, matched } = matchReport(
      [...oursOfDay, ...oursElsewhere],
      [...theirsOfDay, ...theirsElsewhere],
    );
    // Ours of other days are checked against the ledger on their own day.
    const posted = await this.ledger.postedReferences(oursOfDay.flatMap(ledgerReferencesOf), this.db);
    mismatches.push(...missingLedger(oursOfDay, posted));

    const report: ReconciliationReport = {
      date,
      clean: mismatches.length === 0,
      mismatches: sortMismatches(mismatches),
      counts: { ours: oursOfDay.length, theirs: theirsOfDay.length, matched },
      checkedAt: now,
    };
    if (dayEnded(date, now)) await this.repository.save(this.db, report);
    if (!report.clean) {
      this.logger.warn(
        { date, mismatches: report.mismatches.length },
        'reconciliation found mismatches with the channel',
      );
    }
    return report;
  }

  /** Every channel's settlement report of a day, as lines to match. */
  private async theirReport(date: string): Promise<ReconciliationLine[]> {
    const lines: ReconciliationLine[] = [];
    for (const channel of this.channels.all()) {
      lines.push(...(await channel.settlementReport(date)).map(theirLine));
    }
    return lines;
  }
}
