import { formatMoney } from '@danbao/money';

const DAY_MS = 86_400_000;

/** One day of the chart: its UTC date and the balance at its end (now, for today). */
export interface ChartPoint {
  day: string;
  balance: bigint;
}

/** The last `days` UTC days up to and including today's, oldest first, and the instant the first starts. */
export function chartWindow(now: Date, days: number): { from: Date; days: string[] } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * DAY_MS);
  return {
    from,
    days: Array.from({ length: days }, (_, index) =>
      new Date(from.getTime() + index * DAY_MS).toISOString().slice(0, 10),
    ),
  };
}

/** End-of-day balances: the balance before the window plus each day's net, carried over days without entries. */
export function dailyBalances(opening: bigint, totals: Map<string, bigint>, days: string[]): ChartPoint[] {
  let balance = opening;
  return days.map((day) => {
    balance += totals.get(day) ?? 0n;
    return { day, balance };
  });
}

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
  );

const WIDTH = 720;
const HEIGHT = 260;
const LEFT = 96;
const RIGHT = 16;
const TOP = 16;
const BOTTOM = 52;

/**
 * The balance series as an inline SVG, for pages under a policy without scripts or inline styles:
 * no script, no style attribute (classes from the page's stylesheet and presentation attributes
 * only), every text escaped. A title and a description name it for assistive technology; the
 * axes carry their labels (amounts at the bottom, middle and top of the scale; the first, middle and
 * last day); each point has a title with its day and amount.
 */
export function balanceChart(points: ChartPoint[], currency: string, title: string): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const values = points.map((point) => point.balance);
  // The scale always includes zero, so a flat balance sits on a visible baseline.
  const low = values.reduce((min, value) => (value < min ? value : min), 0n);
  let high = values.reduce((max, value) => (value > max ? value : max), 0n);
  if (high === low) high = low + 100n;
  const span = Number(high - low);
  const x = (index: number) =>
    LEFT + (points.length > 1 ? (index * plotWidth) / (points.length - 1) : plotWidth / 2);
  const y = (value: bigint) => TOP + plotHeight - (Number(value - low) * plotHeight) / span;
  const fixed = (value: number) => value.toFixed(1);

  const middle = low + (high - low) / 2n;
  const yTicks = [low, middle, high]
    .map(
      (value) =>
        `<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${fixed(y(value))}" y2="${fixed(y(value))}" stroke="#e3e6ec"/>` +
        `<text class="tick" x="${LEFT - 8}" y="${fixed(y(value) + 4)}" text-anchor="end">${escape(formatMoney(value, currency))}</text>`,
    )
    .join('');
  const dayTicks = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].filter(
    (index) => index >= 0 && index < points.length,
  );
  const xTicks = dayTicks
    .map(
      (index, order) =>
        `<text class="tick" x="${fixed(x(index))}" y="${TOP + plotHeight + 18}" text-anchor="${
          order === 0 ? 'start' : order === dayTicks.length - 1 ? 'end' : 'middle'
        }">${escape(points[index].day)}</text>`,
    )
    .join('');
  const line = points.map((point, index) => `${fixed(x(index))},${fixed(y(point.balance))}`).join(' ');
  const dots = points
    .map(
      (point, index) =>
        `<circle class="point" cx="${fixed(x(index))}" cy="${fixed(y(point.balance))}" r="3" fill="#1677ff">` +
        `<title>${escape(point.day)}: ${escape(formatMoney(point.balance, currency))}</title></circle>`,
    )
    .join('');
  const first = points[0];
  const last = points[points.length - 1];
  const description = first
    ? `${escape(formatMoney(first.balance, currency))} on ${escape(first.day)}, ${escape(
        formatMoney(last.balance, currency),
      )} on ${escape(last.day)}`
    : 'No days to show';

  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" ` +
    `aria-labelledby="balance-chart-title balance-chart-desc" data-testid="balance-chart">` +
    `<title id="balance-chart-title">${escape(title)}</title>` +
    `<desc id="balance-chart-desc">${description}</desc>` +
    yTicks +
    `<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + plotHeight}" stroke="#8a8f98"/>` +
    `<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + plotHeight}" y2="${TOP + plotHeight}" stroke="#8a8f98"/>` +
    xTicks +
    `<text class="axis-label" x="${LEFT + plotWidth / 2}" y="${HEIGHT - 6}" text-anchor="middle">Day (UTC)</text>` +
    `<text class="axis-label" x="14" y="${TOP + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 14 ${
      TOP + plotHeight / 2
    })">Available (${escape(currency)})</text>` +
    (points.length > 0
      ? `<polyline class="line" points="${line}" fill="none" stroke="#1677ff" stroke-width="2"/>`
      : '') +
    dots +
    `</svg>`
  );
}
