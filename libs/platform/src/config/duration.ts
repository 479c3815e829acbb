/**
 * Durations in configuration take `ms`, `s`, `m`, `h` or `d` suffixes ("10d", "500ms") so that a
 * test can run a 10-day deadline in seconds. A bare integer is milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 'ms'];
  return Number.isSafeInteger(value) ? value : undefined;
}
