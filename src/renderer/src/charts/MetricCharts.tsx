// The four training curves of one run (Dice, BCE, Dice loss, learning rate), train solid and
// validation dashed; the learning-rate chart also draws the rates still to come (dashed), so a
// resume's choice between stretching and restarting the cosine shows before it is made.
import type { EpochMetricsRow } from '../../../shared/contract';
import { LineChart } from './LineChart';

export function MetricCharts({
  metrics,
  plannedLr,
  plannedLabel = 'planned',
}: {
  metrics: EpochMetricsRow[];
  plannedLr?: Array<[number, number]>;
  plannedLabel?: string;
}) {
  const pts = (f: (m: EpochMetricsRow) => number): Array<[number, number]> => metrics.map((m) => [m.epoch, f(m)]);
  return (
    <div className="charts" data-testid="metric-charts">
      <LineChart
        title="Dice"
        testId="chart-dice"
        series={[
          { name: 'train Dice', color: '#2f7ed8', points: pts((m) => m.trainDice) },
          { name: 'valid Dice', color: '#e8743b', points: pts((m) => m.validDice), dashed: true },
        ]}
      />
      <LineChart
        title="Binary cross-entropy"
        series={[
          { name: 'train BCE', color: '#2f7ed8', points: pts((m) => m.trainBce) },
          { name: 'valid BCE', color: '#e8743b', points: pts((m) => m.validBce), dashed: true },
        ]}
      />
      <LineChart
        title="Dice loss"
        series={[
          { name: 'train Dice loss', color: '#2f7ed8', points: pts((m) => m.trainDiceLoss) },
          { name: 'valid Dice loss', color: '#e8743b', points: pts((m) => m.validDiceLoss), dashed: true },
        ]}
      />
      <LineChart
        title="Learning rate"
        testId="chart-lr"
        series={[
          { name: 'learning rate', color: '#19a979', points: pts((m) => m.learningRate) },
          ...(plannedLr?.length ? [{ name: `learning rate, ${plannedLabel}`, color: '#945ecf', points: plannedLr, dashed: true }] : []),
        ]}
      />
    </div>
  );
}
