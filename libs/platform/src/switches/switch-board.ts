import { Global, Inject, Injectable, Logger, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { Database } from '../database/database';
import { runInTransaction } from '../database/transaction';

/**
 * The degrade switches of API.md: what an admin switches off on a peak day so that every resource
 * goes to payments. Payment routes (checkout, payment intake, releases) have none.
 * - `statements`: the statements route and the seller console's pages;
 * - `listings`: the list routes (a GET of a collection; single objects stay);
 * - `webhooks`: outbound deliveries wait in the queue, none lost;
 * - `payouts`: scheduled runs wait, and payout requests answer 503;
 * - `reports`: the reconciliation and audit views.
 */
export const SWITCH_NAMES = ['statements', 'listings', 'webhooks', 'payouts', 'reports'] as const;
export type SwitchName = (typeof SWITCH_NAMES)[number];

export const isSwitchName = (name: string): name is SwitchName =>
  (SWITCH_NAMES as readonly string[]).includes(name);

/** One switch as the api answers it. Before its first flip it is on, and was never updated. */
export interface SwitchState {
  name: SwitchName;
  enabled: boolean;
  updatedAt: Date | null;
  /** The email of the admin who flipped it last. */
  updatedBy: string | null;
}

/**
 * How often every process reads the switches again. API.md promises a flip takes effect
 * everywhere within 5 s; a read of five rows every 2 s costs nothing beside that.
 */
export const SWITCH_REFRESH_MS = 2_000;

/** What a switched-off route tells a client to wait before it asks again (the refresh, and some). */
export const SWITCHED_OFF_RETRY_AFTER_S = 30;

interface SwitchRow {
  name: string;
  enabled: number;
  updated_at: Date;
  updated_by: string | null;
}

const defaultState = (name: SwitchName): SwitchState => ({
  name,
  enabled: true,
  updatedAt: null,
  updatedBy: null,
});

/**
 * The switches of one process: read from `degrade_switches` at start and every SWITCH_REFRESH_MS,
 * so a flip made by any api process reaches every api and worker process without a message bus.
 * `isOn` answers from memory (the hot path of every degradable route), and a failed refresh keeps
 * the last state it knew: a database hiccup must not switch features on or off.
 */
@Injectable()
export class SwitchBoard implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SwitchBoard.name);
  private states = new Map<SwitchName, SwitchState>(SWITCH_NAMES.map((name) => [name, defaultState(name)]));
  private readonly listeners: Array<(states: ReadonlyMap<SwitchName, SwitchState>) => void> = [];
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  /** Bumped by every flip of this process, so a read that started before it cannot undo it here. */
  private flips = 0;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refreshing ??= this.refresh()
        .catch((error: Error) => this.logger.warn(`switches not refreshed: ${error.message}`))
        .finally(() => (this.refreshing = undefined));
    }, SWITCH_REFRESH_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
  }

  /** From memory: at most SWITCH_REFRESH_MS behind a flip made by another process. */
  isOn(name: SwitchName): boolean {
    return this.states.get(name)?.enabled ?? true;
  }

  /** Called with every state read (at most every SWITCH_REFRESH_MS), and at once with the current one. */
  onRefresh(listener: (states: ReadonlyMap<SwitchName, SwitchState>) => void): void {
    this.listeners.push(listener);
    listener(this.states);
  }

  /** Every switch, as the database has it now. */
  async list(): Promise<SwitchState[]> {
    await this.refresh();
    return SWITCH_NAMES.map((name) => this.states.get(name)!);
  }

  /**
   * Flips one switch (or sets it as it is: still recorded, it says who looked at it last), with
   * its audit row in the same transaction. This process sees the flip at once, others within
   * SWITCH_REFRESH_MS.
   */
  async set(
    name: SwitchName,
    enabled: boolean,
    actor: Extract<AuditActor, { type: 'admin' }>,
    requestId?: string,
  ): Promise<SwitchState> {
    const now = new Date();
    const state = await runInTransaction(this.db, async (tx) => {
      const [row] = await tx.query<SwitchRow[]>(
        'SELECT name, enabled, updated_at, updated_by FROM degrade_switches WHERE name = ? FOR UPDATE',
        [name],
      );
      const before = row ? toState(row) : defaultState(name);
      await tx.query(
        `INSERT INTO degrade_switches (name, enabled, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE enabled = VALUES(enabled), updated_at = VALUES(updated_at),
                                 updated_by = VALUES(updated_by)`,
        [name, enabled, now, actor.email],
      );
      await this.audit.record(
        tx,
        {
          actor,
          action: 'switch.update',
          subjectType: 'switch',
          subjectId: name,
          before: { enabled: before.enabled },
          after: { enabled },
          requestId,
        },
        now,
      );
      return { name, enabled, updatedAt: now, updatedBy: actor.email };
    });
    this.flips += 1;
    this.apply(new Map(this.states).set(name, state));
    return state;
  }

  private async refresh(): Promise<void> {
    const flips = this.flips;
    const rows = await this.db.query<SwitchRow[]>(
      'SELECT name, enabled, updated_at, updated_by FROM degrade_switches',
    );
    const states = new Map<SwitchName, SwitchState>(SWITCH_NAMES.map((name) => [name, defaultState(name)]));
    for (const row of rows) if (isSwitchName(row.name)) states.set(row.name, toState(row));
    if (flips === this.flips) this.apply(states);
  }

  private apply(states: Map<SwitchName, SwitchState>): void {
    for (const [name, state] of states) {
      if (this.states.get(name)?.enabled !== state.enabled) {
        this.logger.log(`switch ${name} is ${state.enabled ? 'on' : 'off'}`);
      }
    }
    this.states = states;
    for (const listener of this.listeners) listener(states);
  }
}

function toState(row: SwitchRow): SwitchState {
  return {
    name: row.name as SwitchName,
    enabled: Boolean(row.enabled),
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/** The switches for every module of a process (the api's routes and the worker's queues). */
@Global()
@Module({ providers: [SwitchBoard], exports: [SwitchBoard] })
export class SwitchesModule {}
