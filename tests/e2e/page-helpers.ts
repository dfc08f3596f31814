// In-page measurements the tests assert on: overlay pixel counts, image fingerprints, and
// "all these <img> have really loaded" (a broken media URL leaves naturalWidth at 0).
import type { Page } from 'playwright-core';

/** Non-transparent pixels of a canvas (the mask overlay paints only pet pixels). */
export function paintedPixels(page: Page, selector: string): Promise<number> {
  // The editor mutates the mask and repaints the overlay in a React effect after the next
  // render, so right after a pointer event the canvas may lag by the last move. Count once the
  // overlay has stopped changing over two animation frames and a task (React's effect queue).
  return page.evaluate(async (sel) => {
    const count = () => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      if (!c) return -1;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    };
    const settle = async () => {
      for (let k = 0; k < 2; k++) await new Promise((r) => requestAnimationFrame(() => r(null)));
      await new Promise((r) => setTimeout(r, 0));
    };
    await settle();
    let last = count();
    for (let tries = 0; tries < 20; tries++) {
      await settle();
      const now = count();
      if (now === last) return now;
      last = now;
    }
    return last;
  }, selector);
}

/** Waits until at least `min` images match and every one of them decoded with a real size. */
export async function waitImagesLoaded(page: Page, selector: string, min: number, timeout = 60_000): Promise<number> {
  const handle = await page.waitForFunction(
    ({ sel, min }) => {
      const imgs = [...document.querySelectorAll(sel)] as HTMLImageElement[];
      if (imgs.length < min) return false;
      return imgs.every((i) => i.complete && i.naturalWidth > 0) ? imgs.length : false;
    },
    { sel: selector, min },
    { timeout, polling: 200 },
  );
  return (await handle.jsonValue()) as number;
}

/** A fingerprint of each image's decoded pixels (drawn to a canvas, then to a data URL). */
export function imageFingerprints(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(async (sel) => {
    const imgs = [...document.querySelectorAll(sel)] as HTMLImageElement[];
    const out: string[] = [];
    for (const img of imgs) {
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      c.getContext('2d')!.drawImage(img, 0, 0);
      const url = c.toDataURL('image/png');
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url));
      out.push([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''));
    }
    return out;
  }, selector);
}

/** Waits until the canvas at `selector` shows exactly `n` painted (non-transparent) pixels. */
export async function waitPainted(page: Page, selector: string, n: number): Promise<void> {
  await page.waitForFunction(
    ({ sel, n }) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      if (!c) return false;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let k = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]) k++;
      return k === n;
    },
    { sel: selector, n },
    { polling: 100, timeout: 20_000 },
  );
}

/** A mouse drag across the labeling stage from (fx0, fy) to (fx1, fy), as fractions of the photo's box, in `steps` moves. */
export async function strokeAcross(page: Page, fx0: number, fx1: number, fy: number, steps: number): Promise<void> {
  const box = (await page.locator('.stage-inner').boundingBox())!;
  const y = box.y + box.height * fy;
  await page.mouse.move(box.x + box.width * fx0, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(box.x + box.width * (fx0 + ((fx1 - fx0) * i) / steps), y);
  await page.mouse.up();
}
