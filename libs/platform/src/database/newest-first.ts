import type { Tx } from './tx';

/** One page of a list answer (API.md: `{data, has_more}`). */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

/**
 * One page of a table's rows, newest first, as every list route of the API pages: rows matching
 * each defined `equals` filter, after the cursor `startingAfter` (ids are time-sortable, so the
 * cursor is the last id seen), one row more than `limit` read to tell whether more follow.
 * `table`, `columns` and the filter names are the caller's constants, never input.
 */
export async function pageNewestFirst<Row, T>(
  tx: Tx,
  query: { table: string; columns?: string; equals: Record<string, unknown> },
  limit: number,
  startingAfter: string | undefined,
  toItem: (row: Row) => T,
): Promise<Page<T>> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [column, value] of Object.entries(query.equals)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (startingAfter !== undefined) {
    where.push('id < ?');
    params.push(startingAfter);
  }
  const rows = await tx.query<Row[]>(
    `SELECT ${query.columns ?? '*'} FROM ${query.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT ?`,
    [...params, limit + 1],
  );
  return { data: rows.slice(0, limit).map(toItem), hasMore: rows.length > limit };
}
