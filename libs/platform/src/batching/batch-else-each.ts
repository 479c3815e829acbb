import { asError } from './micro-batcher';

export interface BatchElseEachOptions<I, R> {
  /**
   * All the members in one go (one transaction). One answer per member, in order: a result, or
   * undefined for a member the batch leaves to be done alone (e.g. one that needs a decision the
   * bulk path does not make). Throws if the batch as a whole failed; nothing of it may remain.
   */
  batch: (items: I[]) => Promise<Array<R | undefined>>;
  /** One member on its own (its own transaction). */
  alone: (item: I) => Promise<R>;
  /**
   * What a member that failed alone answers: by default its error, which fails that member only.
   * A caller may look again (a commit whose answer was lost) and answer a result instead.
   */
  failed?: (error: Error, item: I) => Promise<R | Error> | R | Error;
  /**
   * True when a batch of one is already that member alone (same statements): its failure is then
   * final and is not run a second time.
   */
  batchOfOneIsAlone?: boolean;
  /** Told once when a batch of several failed and its members are about to run alone. */
  onBatchFailure?: (error: Error, items: I[]) => void;
}

/**
 * "Batch, else each alone": the one fallback of the batched money paths. Members run together in
 * one transaction; if that transaction fails (a bad member, a deadlock past its retries), every
 * member runs again on its own, in arrival order, so one bad member fails only itself and
 * nothing is applied twice (the batch rolled back whole). Members the batch leaves undecided run
 * alone too. One answer per member, in order; an Error fails that member alone.
 */
export async function batchElseEach<I, R>(
  items: I[],
  options: BatchElseEachOptions<I, R>,
): Promise<Array<R | Error>> {
  if (items.length === 0) return [];
  const failed = async (error: unknown, item: I): Promise<R | Error> =>
    options.failed ? options.failed(asError(error), item) : asError(error);
  let answers: Array<R | undefined>;
  try {
    answers = await options.batch(items);
  } catch (error) {
    if (items.length === 1 && options.batchOfOneIsAlone) return [await failed(error, items[0])];
    if (items.length > 1) options.onBatchFailure?.(asError(error), items);
    answers = items.map(() => undefined);
  }
  // One after the other, in arrival order: deterministic (of two members that collide, the
  // first wins), and a failing batch is rare enough not to need more.
  const results: Array<R | Error> = [];
  for (const [index, item] of items.entries()) {
    const answer = answers[index];
    if (answer !== undefined) {
      results.push(answer);
      continue;
    }
    try {
      results.push(await options.alone(item));
    } catch (error) {
      results.push(await failed(error, item));
    }
  }
  return results;
}
