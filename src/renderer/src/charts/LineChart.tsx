// A small SVG line chart: several series over epochs, axes with nice ticks, a legend, and a
// dot per point (the run page's points appear one by one as epochs finish).
import { useId } from 'react';
import { domainOf, fmtTick, niceTicks } from './scale';

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

interface Props {
  title: string;
  series: Series[];
  xLabel?: string;
  /** Learning rates span decades: plot them on a log axis. */
  logY?: boolean;
  height?: number;
  testId?: string;
}

const W = 420;
const M = { l: 48, r: 12, t: 10, b: 30 };

export function LineChart({ title, series, xLabel = 'epoch', logY = false, height = 220, testId }: Props) {
  const titleId = useId();
  const all = series.flatMap((s) => s.points);
  const [x0, x1] = all.length ? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))] : [0, 1];
  const xs: [number, number] = x0 === x1 ? [x0 - 0.5, x1 + 0.5] : [x0, x1];
  const [y0, y1] = domainOf(all.map((p) => p[1]), logY);
  const iw = W - M.l - M.r;
  const ih = height - M.t - M.b;
  const sx = (x: number) => M.l + ((x - xs[0]) / (xs[1] - xs[0])) * iw;
  const yv = (y: number) => (logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const sy = (y: number) => M.t + ih - ((yv(y) - y0) / (y1 - y0 || 1)) * ih;
  const yTicks = logY
    ? niceTicks(y0, y1, 4).filter((t) => Number.isInteger(t)).map((t) => 10 ** t)
    : niceTicks(y0, y1, 4);
  const xTicks = niceTicks(xs[0], xs[1], 5).filter((t) => Number.isInteger(t) && t >= xs[0] && t <= xs[1]);

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption id={titleId}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet">
        <rect x={M.l} y={M.t} width={iw} height={ih} className="chart-bg" />
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={M.l} x2={M.l + iw} y1={sy(t)} y2={sy(t)} className="chart-grid" />
            <text x={M.l - 6} y={sy(t)} className="chart-tick" textAnchor="end" dominantBaseline="middle">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={sx(t)} y={M.t + ih + 16} className="chart-tick" textAnchor="middle">
            {t}
          </text>
        ))}
        <text x={M.l + iw / 2} y={height - 2} className="chart-axis-label" textAnchor="middle">
          {xLabel}
        </text>
        {series.map((s) =>
          s.points.length ? (
            <g key={s.name} data-series={s.name}>
              <polyline
                fill="none"
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dashed ? '5 4' : undefined}
                points={s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}
              />
              {s.points.map(([x, y]) => (
                <circle key={x} cx={sx(x)} cy={sy(y)} r={3} fill={s.color} className="chart-point" data-x={x} data-y={y}>
                  <title>
                    {s.name} · {xLabel} {x}: {fmtTick(y)}
                  </title>
                </circle>
              ))}
            </g>
          ) : null,
        )}
        {!all.length ? (
          <text x={M.l + iw / 2} y={M.t + ih / 2} textAnchor="middle" className="chart-empty">
            waiting for the first epoch…
          </text>
        ) : null}
      </svg>
      <ul className="chart-legend">
        {series.map((s) => (
          <li key={s.name}>
            <LegendMarker color={s.color} dashed={s.dashed} />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/**
 * The legend's sample of a line: the line itself, in its colour and dash, so a reader matches
 * legend and curve by what they see (a CSS border here once covered the colour with grey).
 */
export function LegendMarker({ color, dashed }: { color: string; dashed?: boolean }) {
  return (
    <svg className="legend-marker" width={22} height={10} viewBox="0 0 22 10" aria-hidden="true" data-color={color}>
      <line x1={1} y1={5} x2={21} y2={5} stroke={color} strokeWidth={3} strokeDasharray={dashed ? '5 3' : undefined} />
    </svg>
  );
}
