// The click tool's clicks drawn on the photo (object: green, background: red, numbered in order),
// laid out in photo pixels inside the zoom stage; they follow undo and redo with the mask.
import type { PhotoClick } from '../../labeling/click-session';

export function ClickMarkers({ clicks, width, height }: { clicks: PhotoClick[]; width: number; height: number }) {
  // A dot about 1.5% of the photo's shorter side, so it reads at "fit" zoom on any photo size.
  const r = Math.max(3, Math.round(Math.min(width, height) * 0.015));
  return (
    <svg className="click-markers" width={width} height={height} viewBox={`0 0 ${width} ${height}`} style={{ position: 'absolute', left: 0, top: 0, pointerEvents: 'none' }} data-testid="click-markers">
      {clicks.map((c, i) => (
        <circle
          key={i}
          cx={c.x}
          cy={c.y}
          r={r}
          fill={c.positive ? 'rgb(40,200,80)' : 'rgb(230,50,50)'}
          stroke="white"
          strokeWidth={Math.max(1, r / 3)}
          data-positive={c.positive ? 'true' : 'false'}
        >
          <title>{`click ${i + 1}: ${c.positive ? 'object' : 'background'}`}</title>
        </circle>
      ))}
    </svg>
  );
}
