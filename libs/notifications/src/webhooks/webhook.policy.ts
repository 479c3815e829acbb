/**
 * The pure rules of outbound webhooks: which endpoints take an event, when a failed delivery is
 * tried again, when it gives up, and when an endpoint that keeps failing is switched off.
 */

/** A delivery is tried for this long after its event was recorded, then marked failed. */
export const DELIVERY_GIVE_UP_MS = 3 * 86_400_000;
/** An endpoint whose deliveries have all failed for this long is disabled. */
export const ENDPOINT_DISABLE_AFTER_MS = 3 * 86_400_000;
/** A rolled secret's previous value keeps signing alongside the new one this long. */
export const PREVIOUS_SECRET_GRACE_MS = 86_400_000;
/** Events an endpoint subscribes to: a list of types, or `*` for all. */
export const ALL_EVENTS = '*';

export function subscribes(events: string[], type: string): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

/**
 * The wait before attempt `attempt + 1` after `attempt` failures: exponential from `baseMs`
 * doubling, capped at a day, with full jitter (a uniform pick in [0, cap]) so that receivers
 * coming back are not hit by every sender at once. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, baseMs: number, random: number): number {
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 86_400_000);
  return Math.max(1, Math.floor(ceiling * random));
}

export type AttemptDecision = { kind: 'succeeded' } | { kind: 'retry'; at: Date } | { kind: 'failed' };

/** What a finished attempt makes of its delivery. */
export function decideAfterAttempt(
  ok: boolean,
  delivery: { attempts: number; createdAt: Date },
  now: Date,
  baseMs: number,
  random: number,
): AttemptDecision {
  if (ok) return { kind: 'succeeded' };
  const at = new Date(now.getTime() + retryDelayMs(delivery.attempts, baseMs, random));
  if (at.getTime() - delivery.createdAt.getTime() > DELIVERY_GIVE_UP_MS) return { kind: 'failed' };
  return { kind: 'retry', at };
}

/** Whether an endpoint failing since `failingSince` is to be disabled now. */
export function shouldDisable(failingSince: Date | null, now: Date): boolean {
  return failingSince !== null && now.getTime() - failingSince.getTime() >= ENDPOINT_DISABLE_AFTER_MS;
}

/** An endpoint whose last attempt took this long counts as slow. */
export const SLOW_ENDPOINT_MS = 1000;

/**
 * The BullMQ priority of an attempt (lower runs first; the relay and fan-out jobs carry none, so
 * they always run before attempts). A healthy endpoint's first attempts come first; a slow or
 * failing endpoint's, and every retry, wait behind them, so one bad receiver's backlog holds back
 * no one else's events.
 */
export function attemptPriority(
  endpoint: { failingSince: Date | null; lastLatencyMs: number | null },
  attempt: number,
): number {
  const unhealthy = endpoint.failingSince !== null || (endpoint.lastLatencyMs ?? 0) >= SLOW_ENDPOINT_MS;
  return (unhealthy ? 1000 : 1) + Math.min(Math.max(attempt - 1, 0), 100);
}
