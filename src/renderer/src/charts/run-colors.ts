// Each run keeps one colour wherever it is drawn (runs table, run page, compare charts): the
// colour follows the run id, not the order in which runs were ticked, so run #3 is the same
// colour today and tomorrow. Consecutive ids get different colours, which is what matters most
// when comparing a run with the ones started just before it.
import { PALETTE } from './palette';

export function runColor(runId: number): string {
  const i = ((Math.trunc(runId) - 1) % PALETTE.length + PALETTE.length) % PALETTE.length;
  return PALETTE[i]!;
}
