// Decoding of one 512-byte tar header block (v7, POSIX ustar and GNU variants) and of pax
// extended-header records. Kept free of I/O so it can be tested on its own bytes.

export const BLOCK = 512;

export interface RawHeader {
  name: string;
  size: number;
  /** The type flag character; '\0' (old tars) is normalised to '0'. */
  type: string;
  linkName: string;
}

export class TarFormatError extends Error {}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

/** Octal numeric field, or GNU base-256 (high bit set) for values that do not fit in octal. */
function numeric(buf: Buffer, start: number, length: number, what: string): number {
  const field = buf.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw new TarFormatError(`negative ${what} in a tar header`);
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`${what} too large in a tar header`);
    return v;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`malformed ${what} "${text}" in a tar header`);
  return parseInt(text, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Parses a header block; throws on a bad checksum, which is how a corrupt or misaligned stream shows. */
export function parseHeader(block: Buffer, offset: number): RawHeader {
  const stored = numeric(block, 148, 8, 'checksum');
  // The checksum is computed with its own field read as eight spaces. Some old tars summed signed bytes.
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`tar header checksum mismatch at byte ${offset} (not a tar archive, or corrupt)`);
  }
  const magic = block.subarray(257, 263).toString('latin1');
  let name = cString(block, 0, 100);
  // POSIX ustar splits long paths into prefix + name; GNU's magic ("ustar  ") reuses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const flag = String.fromCharCode(block[156]!);
  return {
    name,
    size: numeric(block, 124, 12, 'size'),
    type: flag === '\0' ? '0' : flag,
    linkName: cString(block, 157, 100),
  };
}

/** pax records are "LEN key=value\n", LEN counting the whole record in bytes. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new TarFormatError('malformed pax header record');
    const len = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - pos || pos + len > data.length) throw new TarFormatError('malformed pax header record length');
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq < 0) throw new TarFormatError('malformed pax header record (no "=")');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}
