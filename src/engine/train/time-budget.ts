// Training to a wall-clock budget (`minutes` in the run config): "what can I get in 10 minutes".
// An epoch is measured (training and validation), then the number of epochs is fixed so that the
// rest fit in what is left (everything before counts: backend start, dataset import, model build)
// after reserving time for the final test evaluation. The cosine schedule then spans exactly the
// planned epochs, so the run anneals completely inside the budget, and a budgeted run that planned
// N epochs trains exactly as `--epochs N` would.
//
// Which epoch: the first, or with a warm-up the last warm-up epoch (the warm-up's rates do not
// depend on the epoch count, so planning later keeps that equivalence). The first epoch is the
// slowest (caches fill, plans compile; 10 s against a steady 6–7 s for UNet-16 at 128² here), so
// planning from it errs on the safe side and gives away a quarter of the budget; planning after a
// warm-up of two epochs measures a steady epoch. Every epoch also writes its checkpoints (`last`
// with the optimizer's moments and the weight average, `best` when validation improved): 0.1–0.2 s
// for UNet-16, 0.9–1.2 s for ResNet34-UNet-32 (its `last` is 185 MB) against a 4–5 s epoch.
// Left out of the estimate, they stopped a ten-minute ResNet34-UNet-32 run at 114 of its 142
// planned epochs, the rate still at 10 % of its peak. So the plan adds the writes timed after the
// epoch before the measured one (none when planning after the first epoch, whose start-up
// slowness already errs on the safe side). Before each later epoch the budget is checked again
// with the last epoch's whole cycle, writes included: if the machine got slower and the next
// epoch would end past the budget, the run stops there, keeping its best checkpoint, with the
// schedule not fully annealed.

export interface BudgetPlan {
  /** Epochs the run will train in all (at least 1, at most the config's `epochs`). */
  epochs: number;
  budgetSeconds: number;
  /** Training + validation time of the epoch the plan was measured on. */
  measuredEpochSeconds: number;
  /** Checkpoint writing counted per epoch: what the writes after the epoch before took (0 when planned after the first). */
  checkpointSeconds: number;
  /** Epochs finished when the plan was made (1, or the warm-up's length). */
  measuredAfterEpochs: number;
  /** Seconds from the run's start to the plan (start-up and the epochs before it). */
  elapsedSeconds: number;
  /** Kept free at the end for scoring the test split. */
  testReserveSeconds: number;
}

export class TimeBudget {
  readonly budgetSeconds: number;
  private readonly deadlineMs: number;

  /** `startMs`: performance.now() when the run began. */
  constructor(minutes: number, startMs: number) {
    if (!(minutes > 0) || !Number.isFinite(minutes)) throw new Error(`a time budget must be a positive number of minutes (got ${minutes})`);
    this.budgetSeconds = minutes * 60;
    this.deadlineMs = startMs + this.budgetSeconds * 1000;
  }

  /** Seconds left at `nowMs` (negative once the budget is spent). */
  secondsLeft(nowMs: number): number {
    return (this.deadlineMs - nowMs) / 1000;
  }

  /**
   * Fixes the epoch count once `epochsDone` epochs ended at `nowMs`, the last of them taking
   * `epochSeconds` and the checkpoint writes after an epoch `checkpointSeconds`: the epochs done
   * plus as many more epochs-with-writes as fit in what is left (the measured epoch's own writes
   * are still to come), less the test reserve; at most `maxEpochs`.
   */
  plan(opts: { nowMs: number; epochSeconds: number; checkpointSeconds: number; epochsDone: number; testReserveSeconds: number; maxEpochs: number }): BudgetPlan {
    const elapsedSeconds = this.budgetSeconds - this.secondsLeft(opts.nowMs);
    const left = this.budgetSeconds - elapsedSeconds - opts.checkpointSeconds - opts.testReserveSeconds;
    const cycle = opts.epochSeconds + opts.checkpointSeconds;
    const more = cycle > 0 ? Math.floor(left / cycle) : 0;
    const done = Math.max(1, opts.epochsDone);
    return {
      epochs: Math.max(done, Math.min(opts.maxEpochs, done + Math.max(0, more))),
      budgetSeconds: this.budgetSeconds,
      measuredEpochSeconds: opts.epochSeconds,
      checkpointSeconds: opts.checkpointSeconds,
      measuredAfterEpochs: done,
      elapsedSeconds,
      testReserveSeconds: opts.testReserveSeconds,
    };
  }

  /** Whether one more epoch of `epochSeconds` (its checkpoint writes included), and then the test reserve, still ends inside the budget. */
  fits(opts: { nowMs: number; epochSeconds: number; testReserveSeconds: number }): boolean {
    return opts.epochSeconds + opts.testReserveSeconds <= this.secondsLeft(opts.nowMs);
  }
}
