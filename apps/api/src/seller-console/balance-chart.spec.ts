import { balanceChart, chartWindow, dailyBalances } from './balance-chart';

describe('the balance chart', () => {
  it('spans the last 30 UTC days up to today, starting at midnight', () => {
    const { from, days } = chartWindow(new Date('2026-12-02T03:04:05Z'), 30);
    expect(from.toISOString()).toBe('2026-11-03T00:00:00.000Z');
    expect(days).toHaveLength(30);
    expect(days[0]).toBe('2026-11-03');
    expect(days[29]).toBe('2026-12-02');
  });

  it('carries the balance over days without entries', () => {
    const totals = new Map([
      ['2026-11-04', 1000n],
      ['2026-11-06', -300n],
    ]);
    expect(dailyBalances(50n, totals, ['2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'])).toEqual([
      { day: '2026-11-03', balance: 50n },
      { day: '2026-11-04', balance: 1050n },
      { day: '2026-11-05', balance: 1050n },
      { day: '2026-11-06', balance: 750n },
    ]);
  });

  it('draws one titled point per day, axis labels, a title and a description, and nothing that runs', () => {
    const { days } = chartWindow(new Date('2026-12-02T12:00:00Z'), 30);
    const points = dailyBalances(0n, new Map([[days[10], 123_45n]]), days);
    const svg = balanceChart(points, 'CNY', 'Available balance, last 30 days');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(30);
    expect(svg).toContain('<title id="balance-chart-title">Available balance, last 30 days</title>');
    expect(svg).toContain('aria-labelledby="balance-chart-title balance-chart-desc"');
    expect(svg).toContain(`<title>${days[10]}: ¥123.45</title>`);
    expect(svg).toContain('¥0.00 on 2026-11-03, ¥123.45 on 2026-12-02');
    expect(svg).toContain('>Day (UTC)</text>');
    expect(svg).toContain('>Available (CNY)</text>');
    for (const label of [days[0], days[14], days[29], '¥0.00', '¥61.72', '¥123.45'])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg).not.toMatch(/<script|style=|on[a-z]+=|javascript:/i);
  });

  it('keeps the points inside the plot for a negative, a flat and an empty series', () => {
    const coordinates = (svg: string) =>
      [...svg.matchAll(/cy="([-0-9.]+)"/g)].map((match) => Number(match[1]));
    const negative = balanceChart(
      [
        { day: '2026-11-01', balance: -500n },
        { day: '2026-11-02', balance: 200n },
      ],
      'JPY',
      'x',
    );
    expect(negative).toContain('>-¥500</text>');
    for (const cy of coordinates(negative)) expect(cy >= 16 && cy <= 208).toBe(true);
    const flat = balanceChart([{ day: '2026-11-01', balance: 0n }], 'CNY', 'x');
    expect(coordinates(flat)).toEqual([208]); // on the baseline
    expect(balanceChart([], 'CNY', 'x')).toContain('No days to show');
  });

  it('escapes its title', () => {
    expect(balanceChart([], 'CNY', '<b>&"')).toContain(
      '<title id="balance-chart-title">&lt;b&gt;&amp;&quot;</title>',
    );
  });
});
