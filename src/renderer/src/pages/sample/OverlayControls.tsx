// Overlay opacity and fill/outline choice for the sample view.
import type { OverlayMode } from '../../labeling/overlay-pixels';

export function OverlayControls({ opacity, setOpacity, mode, setMode }: { opacity: number; setOpacity: (n: number) => void; mode: OverlayMode; setMode: (m: OverlayMode) => void }) {
  return (
    <div className="overlay-controls" role="group" aria-label="Overlay">
      <label className="inline">
        Overlay opacity
        <input type="range" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} />
        <span className="num">{Math.round(opacity * 100)}%</span>
      </label>
      <div className="segmented" role="radiogroup" aria-label="Overlay style">
        {(['fill', 'outline'] as const).map((m) => (
          <button key={m} type="button" role="radio" aria-checked={mode === m} className={mode === m ? 'active' : ''} onClick={() => setMode(m)}>
            {m}
          </button>
        ))}
      </div>
    </div>
  );
}
