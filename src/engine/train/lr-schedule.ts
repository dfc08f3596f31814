// The learning-rate schedule lives in shared/ (plain arithmetic) so the run page can draw the
// planned curve with the very function training uses; the engine's callers import it from here.
export * from '../../shared/lr-schedule';
