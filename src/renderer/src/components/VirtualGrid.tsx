// A grid that renders only the rows in view (plus a couple of spare rows above and below), so
// 7,390 thumbnails cost the same as 40. Rows are fixed height; columns follow the width.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Props {
  total: number;
  cellWidth: number;
  cellHeight: number;
  /** Called with the index range now visible, so the caller can load those items. */
  onRange: (start: number, end: number) => void;
  renderCell: (index: number) => ReactNode;
  label: string;
}

const OVERSCAN_ROWS = 2;

export function VirtualGrid({ total, cellWidth, cellHeight, onRange, renderCell, label }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 800, height: 600 });
  const [scrollTop, setScrollTop] = useState(0);

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

  const cells: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const r = Math.floor(i / columns);
    const c = i % columns;
    cells.push(
      <div key={i} className="vgrid-cell" role="listitem" style={{ transform: `translate(${c * cellWidth}px, ${r * cellHeight}px)`, width: cellWidth, height: cellHeight }}>
        {renderCell(i)}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className="vgrid"
      data-testid="sample-grid"
      onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      role="list"
      aria-label={label}
    >
      <div className="vgrid-space" style={{ height: rows * cellHeight }}>
        {cells}
      </div>
    </div>
  );
}
