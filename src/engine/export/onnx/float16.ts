// IEEE 754 half precision for the --fp16 export: float32 values rounded to the nearest float16
// (ties to even, as numpy's astype(float16) does), stored as little-endian 16-bit words.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value`; beyond ±65504 it becomes ±Infinity. */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf, NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let bits: number, rest: number, half: number;
  if (e <= 0) {
    // Subnormal half: the value in units of 2^-24, rounded.
    if (e < -10) return sign;
    const shift = 14 - e;
    const m = mantissa | 0x800000;
    bits = m >>> shift;
    rest = m & ((1 << shift) - 1);
    half = 1 << (shift - 1);
  } else {
    bits = (e << 10) | (mantissa >>> 13);
    rest = mantissa & 0x1fff;
    half = 0x1000;
  }
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rest > half || (rest === half && (bits & 1) === 1)) bits++;
  return sign | bits;
}

/** float32 values as float16, little-endian bytes. */
export function toFloat16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, float16Bits(values[i]!), true);
  return out;
}
