// A grid that renders only the rows in view (plus a couple of spare rows above and below), so
// 7,390 thumbnails cost the same as 40. Rows are fixed height; columns follow the width.
// The grid is one Tab stop (a roving tab index): only the active cell's link is tabbable, and the
// arrow keys, Home/End and Page Up/Down move the active cell, scrolling it into view.
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
  total: number;
  cellWidth: number;
  cellHeight: number;
  /** Called with the index range now visible, so the caller can load those items. */
  onRange: (start: number, end: number) => void;
  /** `tabIndex` goes on the cell's link: 0 for the active cell, -1 for the rest. */
  renderCell: (index: number, tabIndex: 0 | -1) => ReactNode;
  label: string;
}

const OVERSCAN_ROWS = 2;

export function VirtualGrid({ total, cellWidth, cellHeight, onRange, renderCell, label }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 600 });
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  /** Set by a key press: the newly active cell takes the focus once it is rendered. */
  const wantFocus = useRef(false);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor(size.width / cellWidth));
  const rows = Math.ceil(total / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / cellHeight) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + size.height) / cellHeight) + OVERSCAN_ROWS);
  const start = firstRow * columns;
  const end = Math.min(total, (lastRow + 1) * columns);

  useEffect(() => {
    if (total > 0) onRange(start, end);
  }, [start, end, total, onRange]);

  // The active cell stays a rendered one: after a filter shrinks the list, or a scroll by mouse
  // or wheel moves it out of view, the first visible cell takes over (so Tab still lands in view).
  const firstVisible = Math.min(total - 1, Math.floor(scrollTop / cellHeight) * columns);
  const lastVisible = Math.min(total - 1, Math.ceil((scrollTop + size.height) / cellHeight) * columns - 1);
  useEffect(() => {
    if (total === 0) return;
    if (active >= total || ((active < firstVisible || active > lastVisible) && !wantFocus.current)) setActive(Math.max(0, firstVisible));
  }, [active, total, firstVisible, lastVisible]);

  // After a key moved it: focus the active cell's link once it is rendered (a cell whose item is
  // still loading has none yet, so the focus waits on the previous cell until it comes).
  useLayoutEffect(() => {
    if (!wantFocus.current) return;
    const cell = scroller.current?.querySelector<HTMLElement>(`[data-index="${active}"]`);
    const target = cell?.querySelector<HTMLElement>('[tabindex="0"]') ?? null;
    if (target) {
      target.focus({ preventScroll: true });
      wantFocus.current = false;
    }
  });

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.altKey || e.ctrlKey || e.metaKey || total === 0) return;
    const pageRows = Math.max(1, Math.floor(size.height / cellHeight));
    const moves: Record<string, number> = {
      ArrowRight: active + 1,
      ArrowLeft: active - 1,
      ArrowDown: active + columns,
      ArrowUp: active - columns,
      PageDown: active + pageRows * columns,
      PageUp: active - pageRows * columns,
      Home: 0,
      End: total - 1,
    };
    const to = moves[e.key];
    if (to === undefined) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(total - 1, to));
    // Scroll just enough to show the row of the new cell.
    const el = scroller.current;
    if (el) {
      const top = Math.floor(next / columns) * cellHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + cellHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + cellHeight - el.clientHeight;
      setScrollTop(el.scrollTop);
    }
    wantFocus.current = true;
    setActive(next);
  };

  const cells: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const r = Math.floor(i / columns);
    const c = i % columns;
    cells.push(
      <div
        key={i}
        data-index={i}
        className="vgrid-cell"
        role="listitem"
        style={{ transform: `translate(${c * cellWidth}px, ${r * cellHeight}px)`, width: cellWidth, height: cellHeight }}
        onFocus={() => i !== active && setActive(i)}
      >
        {renderCell(i, i === active ? 0 : -1)}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className="vgrid"
      data-testid="sample-grid"
      onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      onKeyDown={onKeyDown}
      role="list"
      aria-label={label}
    >
      <div className="vgrid-space" style={{ height: rows * cellHeight }}>
        {cells}
      </div>
    </div>
  );
}
