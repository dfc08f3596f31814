// The interactive model's input: the photo's three ImageNet-normalised channels plus three more
// (docs/interactive.md): 3 = positive clicks, 4 = negative clicks, each a disk of value 1 of
// radius `radius` model pixels around the click (RITM's "disks" encoding), 5 = the previous
// mask (0/1; zeros when there is none, e.g. before the first click). HWC, like the RGB input.
import { checkClicks, type Click } from './clicks';

export const RGB_CHANNELS = 3;
export const INTERACTIVE_CHANNELS = 6;
export const DEFAULT_CLICK_RADIUS = 5;

/**
 * Writes size·size·6 floats at out[offset ...]. `rgbNormalised` holds size·size·3 HWC floats;
 * `prevMask` size·size values (any non-zero counts as object) or null.
 */
export function encodeInteractiveInput(
  rgbNormalised: Float32Array,
  clicks: readonly Click[],
  prevMask: Uint8Array | null,
  size: number,
  radius: number,
  out: Float32Array,
  offset = 0,
): void {
  const px = size * size;
  if (rgbNormalised.length < px * RGB_CHANNELS) throw new Error(`encodeInteractiveInput: ${rgbNormalised.length} RGB floats, needs ${px * RGB_CHANNELS} for ${size}×${size}`);
  if (prevMask && prevMask.length !== px) throw new Error(`encodeInteractiveInput: previous mask has ${prevMask.length} pixels, the input ${px}`);
  if (offset + px * INTERACTIVE_CHANNELS > out.length) throw new Error(`encodeInteractiveInput: output has ${out.length} floats, needs ${offset + px * INTERACTIVE_CHANNELS}`);
  if (!(radius >= 0)) throw new Error(`click radius must be at least 0 (got ${radius})`);
  checkClicks(clicks, size);
  for (let i = 0, o = offset, r = 0; i < px; i++, o += INTERACTIVE_CHANNELS, r += RGB_CHANNELS) {
    out[o] = rgbNormalised[r]!;
    out[o + 1] = rgbNormalised[r + 1]!;
    out[o + 2] = rgbNormalised[r + 2]!;
    out[o + 3] = 0;
    out[o + 4] = 0;
    out[o + 5] = prevMask && prevMask[i] ? 1 : 0;
  }
  const r2 = radius * radius;
  const reach = Math.floor(radius);
  for (const c of clicks) {
    const channel = c.positive ? 3 : 4;
    for (let y = Math.max(0, c.y - reach); y <= Math.min(size - 1, c.y + reach); y++) {
      const dy = y - c.y;
      for (let x = Math.max(0, c.x - reach); x <= Math.min(size - 1, c.x + reach); x++) {
        const dx = x - c.x;
        if (dx * dx + dy * dy <= r2) out[offset + (y * size + x) * INTERACTIVE_CHANNELS + channel] = 1;
      }
    }
  }
}
