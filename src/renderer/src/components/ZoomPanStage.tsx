// A photo-sized stage that zooms (wheel, buttons, keyboard + / - / 0) and pans (drag with the
// pan tool, middle button, or Space held). Children are laid out at the image's own pixel size,
// so overlays line up; pointer positions are reported in image pixels.
import { useCallback, useEffect, useRef, useState, type ReactNode, type PointerEvent as RPointerEvent } from 'react';

export interface StagePointer {
  x: number;
  y: number;
  phase: 'down' | 'move' | 'up';
  shift: boolean;
  /** The button pressed: 0 left, 2 right (tools only get the right button while one is active). */
  button: number;
}

interface Props {
  width: number;
  height: number;
  children: ReactNode;
  /** When false, left-drag pans; when true, left-button events go to onPointer (tools). */
  toolActive?: boolean;
  onPointer?: (p: StagePointer) => void;
  onHover?: (p: { x: number; y: number } | null) => void;
  label: string;
}

export function ZoomPanStage({ width, height, children, toolActive = false, onPointer, onHover, label }: Props) {
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ scale: 1, x: 0, y: 0 });
  const drag = useRef<{ mode: 'pan' | 'tool'; button: number; startX: number; startY: number; vx: number; vy: number } | null>(null);
  const space = useRef(false);

  const fit = useCallback(() => {
    const el = outer.current;
    if (!el || !width || !height) return;
    const s = Math.min(el.clientWidth / width, el.clientHeight / height) * 0.98;
    setView({ scale: s, x: (el.clientWidth - width * s) / 2, y: (el.clientHeight - height * s) / 2 });
  }, [width, height]);

  useEffect(() => {
    fit();
    const ro = new ResizeObserver(() => fit());
    if (outer.current) ro.observe(outer.current);
    return () => ro.disconnect();
  }, [fit]);

  const zoomAt = useCallback((factor: number, cx?: number, cy?: number) => {
    setView((v) => {
      const el = outer.current;
      const px = cx ?? (el ? el.clientWidth / 2 : 0);
      const py = cy ?? (el ? el.clientHeight / 2 : 0);
      const scale = Math.min(32, Math.max(0.05, v.scale * factor));
      const k = scale / v.scale;
      return { scale, x: px - (px - v.x) * k, y: py - (py - v.y) * k };
    });
  }, []);

  // Wheel needs a non-passive listener to stop the page from scrolling while zooming.
  useEffect(() => {
    const el = outer.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [zoomAt]);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !(e.target instanceof HTMLInputElement)) space.current = true;
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') space.current = false;
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  const toImage = (e: RPointerEvent) => {
    const r = inner.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * width, y: ((e.clientY - r.top) / r.height) * height };
  };

  const onPointerDown = (e: RPointerEvent<HTMLDivElement>) => {
    const pan = !toolActive || e.button === 1 || space.current;
    if (e.button !== 0 && e.button !== 1 && !(e.button === 2 && toolActive)) return;
    (e.currentTarget as HTMLDivElement).setPointerCapture(e.pointerId);
    drag.current = { mode: pan ? 'pan' : 'tool', button: e.button, startX: e.clientX, startY: e.clientY, vx: view.x, vy: view.y };
    if (!pan && onPointer) onPointer({ ...toImage(e), phase: 'down', shift: e.shiftKey, button: e.button });
  };
  const onPointerMove = (e: RPointerEvent<HTMLDivElement>) => {
    onHover?.(toImage(e));
    const d = drag.current;
    if (!d) return;
    if (d.mode === 'pan') setView((v) => ({ ...v, x: d.vx + e.clientX - d.startX, y: d.vy + e.clientY - d.startY }));
    else onPointer?.({ ...toImage(e), phase: 'move', shift: e.shiftKey, button: d.button });
  };
  const onPointerUp = (e: RPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    if (d?.mode === 'tool') onPointer?.({ ...toImage(e), phase: 'up', shift: e.shiftKey, button: d.button });
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === '+' || e.key === '=') zoomAt(1.25);
    else if (e.key === '-') zoomAt(0.8);
    else if (e.key === '0') fit();
    else return;
    e.preventDefault();
  };

  return (
    <div className="stage-wrap">
      <div
        ref={outer}
        className={`stage ${toolActive ? 'stage-tool' : 'stage-pan'}`}
        tabIndex={0}
        role="img"
        aria-label={`${label}. Zoom with the wheel or + and -, 0 fits, drag to pan`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => onHover?.(null)}
        // While a tool is active the right button is a tool's (the click tool's "background"), not a menu.
        onContextMenu={toolActive ? (e) => e.preventDefault() : undefined}
        onKeyDown={onKeyDown}
        data-testid="stage"
      >
        <div
          ref={inner}
          className="stage-inner"
          style={{ width, height, transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})` }}
        >
          {children}
        </div>
      </div>
      <div className="stage-controls" role="toolbar" aria-label="Zoom">
        <button type="button" onClick={() => zoomAt(1.25)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoomAt(0.8)} aria-label="Zoom out">−</button>
        <button type="button" onClick={fit} aria-label="Fit to view">Fit</button>
        <span className="muted" aria-live="polite">{Math.round(view.scale * 100)}%</span>
      </div>
    </div>
  );
}
