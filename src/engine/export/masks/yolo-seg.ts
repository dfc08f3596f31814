// YOLO-seg label text from a binary mask (the Ultralytics segmentation format): one line per
// object, `<class> x1 y1 x2 y2 …`, coordinates divided by the photo's width and height (0..1).
//
// Objects are the mask's 8-connected components (as OpenCV's findContours sees foreground).
// Each one's OUTER boundary is traced along pixel edges (crack following), so its polygon runs
// on pixel corners and encloses exactly the component's pixels: area of the polygon = pixel count
// (before simplification). What this format cannot say:
// - holes: a polygon has no inner rings, so a hole in an object is filled when the line is drawn
//   (COCO RLE keeps them); a piece of foreground inside a hole is its own line;
// - specks: components smaller than `minPixels` (default 4) are left out, as label noise that
//   a 3-point minimum polygon would misrepresent anyway.
// Polygons are then lightly simplified (Douglas–Peucker, `epsilon` in pixels, default 0.5: the
// one-pixel staircases of slanted edges become straight lines; 0 keeps every corner).
import type { BinaryMask } from '../../types';

export interface YoloSegOptions {
  /** Class index written first on each line (a binary mask has one class: 0). */
  classIndex?: number;
  /** Components with fewer pixels are not written. Default 4. */
  minPixels?: number;
  /** Douglas–Peucker tolerance in pixels; 0 = no simplification. Default 0.5. */
  epsilon?: number;
}

export interface TracedObject {
  /** Pixels of the component (holes not counted). */
  pixels: number;
  /** Outer boundary on pixel corners, clockwise on screen, in pixel units (0..width, 0..height). */
  polygon: Array<[number, number]>;
}

export const DEFAULT_MIN_PIXELS = 4;
export const DEFAULT_EPSILON = 0.5;

// Directions clockwise on screen (y down): east, south, west, north. Right of d is d+1.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** The 8-connected components of the mask with their outer boundaries, in raster order of their first pixel. */
export function traceObjects(mask: BinaryMask): TracedObject[] {
  const { width: w, height: h, data } = mask;
  if (data.length !== w * h) throw new Error(`mask has ${data.length} pixels, expected ${w}×${h}`);
  const label = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && data[y * w + x] !== 0;
  const objects: TracedObject[] = [];
  for (let start = 0; start < w * h; start++) {
    if (!data[start] || label[start]) continue;
    const id = objects.length + 1;
    // Flood fill (8-connected); the seed is the component's first pixel in raster order, so its
    // top edge lies on the outer boundary (nothing of the component is above it).
    let top = 0;
    let pixels = 0;
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top]!;
      pixels++;
      const px = p % w;
      const py = (p - px) / w;
      for (let ny = py - 1; ny <= py + 1; ny++) {
        if (ny < 0 || ny >= h) continue;
        for (let nx = px - 1; nx <= px + 1; nx++) {
          if (nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (data[q] && !label[q]) {
            label[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    objects.push({ pixels, polygon: traceOuter(start % w, Math.floor(start / w), fg) });
  }
  return objects;
}

/**
 * Walks the boundary edges with the component on the right, from the top-left corner of its
 * first pixel, recording the corners where the walk turns. At a vertex the two pixels ahead
 * decide: ahead-left set → turn left (also at a diagonal touch, which joins the two pixels as
 * 8-connectivity does), else ahead-right set → straight on, else turn right.
 */
function traceOuter(x0: number, y0: number, fg: (x: number, y: number) => boolean): Array<[number, number]> {
  const polygon: Array<[number, number]> = [[x0, y0]];
  let vx = x0;
  let vy = y0;
  let d = 0;
  do {
    vx += DX[d]!;
    vy += DY[d]!;
    const dx = DX[d]!;
    const dy = DY[d]!;
    const rx = DX[(d + 1) & 3]!;
    const ry = DY[(d + 1) & 3]!;
    // The pixels beside the next edge in direction d: their centres are the edge's midpoint ± half the right vector.
    const leftAhead = fg(Math.floor((2 * vx + dx - rx) / 2), Math.floor((2 * vy + dy - ry) / 2));
    const rightAhead = fg(Math.floor((2 * vx + dx + rx) / 2), Math.floor((2 * vy + dy + ry) / 2));
    const next = leftAhead ? (d + 3) & 3 : rightAhead ? d : (d + 1) & 3;
    if (next !== d && !(vx === x0 && vy === y0)) polygon.push([vx, vy]);
    d = next;
  } while (vx !== x0 || vy !== y0);
  return polygon;
}

function segmentDistance(p: [number, number], a: [number, number], b: [number, number]): number {
  const ex = b[0] - a[0];
  const ey = b[1] - a[1];
  const len2 = ex * ex + ey * ey;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / len2;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - a[0] - t * ex, p[1] - a[1] - t * ey);
}

/** Douglas–Peucker on an open chain: indices of the points kept (first and last always). */
function simplifyChain(points: Array<[number, number]>, epsilon: number): boolean[] {
  const keep = new Array<boolean>(points.length).fill(false);
  keep[0] = true;
  keep[points.length - 1] = true;
  const ranges: Array<[number, number]> = [[0, points.length - 1]];
  while (ranges.length > 0) {
    const [a, b] = ranges.pop()!;
    let worst = -1;
    let worstD = epsilon;
    for (let i = a + 1; i < b; i++) {
      const dist = segmentDistance(points[i]!, points[a]!, points[b]!);
      if (dist > worstD) {
        worstD = dist;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = true;
      ranges.push([a, worst], [worst, b]);
    }
  }
  return keep;
}

/** Closed-polygon Douglas–Peucker: split at the first vertex and the one farthest from it. */
export function simplifyPolygon(polygon: Array<[number, number]>, epsilon: number): Array<[number, number]> {
  if (epsilon <= 0 || polygon.length <= 4) return polygon;
  const first = polygon[0]!;
  let far = 0;
  let farD = -1;
  polygon.forEach((p, i) => {
    const dist = Math.hypot(p[0] - first[0], p[1] - first[1]);
    if (dist > farD) {
      farD = dist;
      far = i;
    }
  });
  const chainA = polygon.slice(0, far + 1);
  const chainB = [...polygon.slice(far), first];
  const keepA = simplifyChain(chainA, epsilon);
  const keepB = simplifyChain(chainB, epsilon);
  const out = chainA.filter((_, i) => keepA[i]);
  out.push(...chainB.slice(1, -1).filter((_, i) => keepB[i + 1]));
  return out.length >= 3 ? out : polygon;
}

function coordinate(v: number, size: number): string {
  return String(Number((v / size).toFixed(6)));
}

/** The label file's lines for one mask (no objects: no lines, which YOLO reads as background). */
export function yoloSegLines(mask: BinaryMask, opts: YoloSegOptions = {}): string[] {
  const classIndex = opts.classIndex ?? 0;
  const minPixels = opts.minPixels ?? DEFAULT_MIN_PIXELS;
  const epsilon = opts.epsilon ?? DEFAULT_EPSILON;
  const lines: string[] = [];
  for (const o of traceObjects(mask)) {
    if (o.pixels < minPixels) continue;
    const poly = simplifyPolygon(o.polygon, epsilon);
    lines.push([String(classIndex), ...poly.flatMap(([x, y]) => [coordinate(x, mask.width), coordinate(y, mask.height)])].join(' '));
  }
  return lines;
}

export function yoloSegText(mask: BinaryMask, opts: YoloSegOptions = {}): string {
  const lines = yoloSegLines(mask, opts);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
