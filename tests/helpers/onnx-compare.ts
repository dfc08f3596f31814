// Comparing an exported ONNX model's output with the studio's own, shared by the ONNX export test
// and scripts/onnx-export-report.ts: the layout change onnxruntime wants, plain loops that are not
// the studio's code, and a head shifted so that a mask comparison means something.
import * as tf from '@tensorflow/tfjs';

/** NHWC → NCHW with a plain loop (not the studio's code). */
export function toNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + z] = x[((b * h + y) * w + z) * c + k]!;
  return out;
}

/** Pixels whose 0.5-thresholded mask differs between two probability maps of the same length. */
export const maskDisagreements = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).filter((v, i) => v > 0.5 !== b[i]! > 0.5).length;

/**
 * Shifts the head's bias so that half of the pixels of `x` are foreground: random batch norms
 * push a deep model's logits all to one side, which would make the mask comparison vacuous.
 */
export function centreHead(m: tf.LayersModel, x: tf.Tensor): void {
  const head = (m.outputs[0]!.sourceLayer as tf.layers.Layer).inboundNodes[0]!.inboundLayers[0]! as tf.layers.Layer;
  const logits = tf.model({ inputs: m.inputs, outputs: head.output as tf.SymbolicTensor });
  // logits.predict, not predictFast: the native plan fuses the head's sigmoid, outside this sub-model.
  const v = Array.from(tf.tidy(() => (logits.predict(x) as tf.Tensor).dataSync())).sort((a, b) => a - b);
  const [kernel, bias] = head.getWeights(); // the variables' own tensors: not disposed here
  // The threshold goes into a gap between two logits near the median, so no pixel sits on 0.5
  // itself (where float noise of 1e-7 would decide its side).
  let k = v.length >> 1;
  for (let d = 0; d < v.length >> 2; d++) {
    const i = (v.length >> 1) + (d % 2 ? -(d >> 1) - 1 : d >> 1);
    if (v[i + 1]! - v[i]! > 1e-5) {
      k = i;
      break;
    }
  }
  const shifted = tf.sub(bias!, (v[k]! + v[k + 1]!) / 2);
  head.setWeights([kernel!, shifted]);
  shifted.dispose();
}
