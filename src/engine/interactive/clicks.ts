// A click of interactive segmentation and the mapping between where a person clicked on the
// photo and the pixel of the model's square input it lands on. Clicks are kept in model-input
// pixels (0..size-1): the click encoding, the simulator and the trained model all work there,
// and the photo is resized to size×size without keeping its aspect (as in training), so x and y
// scale independently.

export interface Click {
  /** Column in model-input pixels, 0..size-1. */
  x: number;
  /** Row in model-input pixels, 0..size-1. */
  y: number;
  /** True: "this is the object"; false: "this is background". */
  positive: boolean;
}

/** Pixel centres map to pixel centres: photo pixel p covers model [p·s/W, (p+1)·s/W). */
function toModelAxis(p: number, photoLength: number, size: number): number {
  const m = Math.floor(((p + 0.5) * size) / photoLength);
  return Math.min(size - 1, Math.max(0, m));
}

function toPhotoAxis(m: number, photoLength: number, size: number): number {
  const p = Math.floor(((m + 0.5) * photoLength) / size);
  return Math.min(photoLength - 1, Math.max(0, p));
}

/** A click on the photo (pixel coordinates, may be fractional) → the model-input pixel it falls in. */
export function photoToModelClick(
  click: { x: number; y: number; positive: boolean },
  photoWidth: number,
  photoHeight: number,
  size: number,
): Click {
  checkFinite(click.x, click.y);
  return { x: toModelAxis(click.x, photoWidth, size), y: toModelAxis(click.y, photoHeight, size), positive: click.positive };
}

/** A model-input click → the photo pixel at the centre of the area it stands for (for drawing it). */
export function modelToPhotoClick(click: Click, photoWidth: number, photoHeight: number, size: number): Click {
  return { x: toPhotoAxis(click.x, photoWidth, size), y: toPhotoAxis(click.y, photoHeight, size), positive: click.positive };
}

function checkFinite(x: number, y: number): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`click at (${x}, ${y}): coordinates must be finite numbers`);
}

/** Throws naming the first click that is not a whole pixel inside the size×size input. */
export function checkClicks(clicks: readonly Click[], size: number): void {
  clicks.forEach((c, i) => {
    if (!Number.isInteger(c.x) || !Number.isInteger(c.y) || c.x < 0 || c.y < 0 || c.x >= size || c.y >= size) {
      throw new Error(`click ${i + 1} at (${c.x}, ${c.y}) is not a pixel of the ${size}×${size} model input`);
    }
    if (typeof c.positive !== 'boolean') throw new Error(`click ${i + 1}: "positive" must be true or false`);
  });
}
