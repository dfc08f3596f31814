// Tile for the wasm backend. The package's kernel computes a source index per output element
// (~40 M elements/s); batch-norm gradients tile per-channel vectors to whole activations, which
// made Tile 20% of a UNet training step. Here each source row is copied once and every
// repetition is a block copy (doubling copyWithin), so the cost is a memcpy of the output.
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { asWasm } from './wasm-heap';

type Flat = Float32Array | Int32Array | Uint8Array;

/** Copies out[off, off+blk) into the following (times−1) blocks. */
function repeatBlock(out: Flat, off: number, blk: number, times: number): void {
  const total = blk * times;
  for (let done = blk; done < total; ) {
    const n = Math.min(done, total - done);
    out.copyWithin(off + done, off, off + n);
    done += n;
  }
}

/** out (shape xShape·reps, row-major) = x tiled; recursion over dims, innermost rows copied whole. */
export function tileInto(x: Flat, xShape: number[], reps: number[], out: Flat): void {
  const r = xShape.length;
  if (r === 0) {
    out[0] = x[0]!;
    return;
  }
  const xStride = new Array<number>(r);
  const oStride = new Array<number>(r);
  xStride[r - 1] = 1;
  oStride[r - 1] = 1;
  for (let d = r - 2; d >= 0; d--) {
    xStride[d] = xStride[d + 1]! * xShape[d + 1]!;
    oStride[d] = oStride[d + 1]! * xShape[d + 1]! * reps[d + 1]!;
  }
  const fill = (d: number, xOff: number, oOff: number): void => {
    const n = xShape[d]!;
    if (d === r - 1) out.set(x.subarray(xOff, xOff + n), oOff);
    else for (let i = 0; i < n; i++) fill(d + 1, xOff + i * xStride[d]!, oOff + i * oStride[d]!);
    // Along dim d, indices [0, n) form one contiguous block; repetitions follow it directly.
    repeatBlock(out, oOff, n * oStride[d]!, reps[d]!);
  };
  fill(0, 0, 0);
}

export function makeWasmTile(packageKernel: KernelFunc | undefined): KernelConfig {
  return {
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: function tileKernel(args) {
      const { x } = args.inputs as { x: TensorInfo };
      const reps = (args.attrs as unknown as { reps: number[] }).reps;
      if (x.dtype === 'string' || x.dtype === 'complex64') {
        if (!packageKernel) throw new Error(`wasm Tile: dtype ${x.dtype} is not supported`);
        return packageKernel(args);
      }
      const b = asWasm(args.backend);
      const outShape = x.shape.map((s, i) => s * reps[i]!);
      const out = b.makeOutput(outShape, x.dtype);
      if (tf.util.sizeFromShape(outShape) > 0) tileInto(b.typedArrayFromHeap(x), x.shape, reps, b.typedArrayFromHeap(out));
      return out;
    },
  };
}
