// Cheap truncation check for photos at import. Import reads photo headers only (a full JPEG
// decode of 7,390 photos would take a minute on two cores), and a truncated file has an intact
// header — but it lacks the format's end marker, which sits in the last bytes of a whole file.
import { open } from 'node:fs/promises';

const TAIL = 1024;

/** Byte patterns that end a complete file, per sharp format name. Formats not listed are not checked. */
const END_MARKERS: Record<string, Uint8Array> = {
  // EOI. Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so FF D9
  // near the end can only be the real end of image; some encoders pad after it, hence the search.
  jpeg: Uint8Array.of(0xff, 0xd9),
  // The IEND chunk type.
  png: Uint8Array.of(0x49, 0x45, 0x4e, 0x44),
  // GIF trailer byte.
  gif: Uint8Array.of(0x3b),
};

function lastIndexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Returns a problem description when the file is cut short, or undefined when it looks whole. */
export async function truncationProblem(path: string, format: string): Promise<string | undefined> {
  const marker = END_MARKERS[format];
  if (!marker) return undefined;
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const n = Math.min(TAIL, size);
    const buf = new Uint8Array(n);
    await fh.read(buf, 0, n, size - n);
    if (lastIndexOf(buf, marker) < 0) return `truncated ${format.toUpperCase()} file (no end marker)`;
    return undefined;
  } finally {
    await fh.close();
  }
}
