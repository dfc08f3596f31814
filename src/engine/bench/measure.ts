// Times one configuration on the active tfjs backend: a train step is forward + BCE+Dice loss
// + backward + Adam update; inference is a forward pass in inference mode. Also records the
// process peak RSS and whether tensor memory stayed flat across the timed train steps.
import * as tf from '@tensorflow/tfjs';

import { buildModel } from '../models/build-model';
import { createAdam } from '../train/optimizer';
import { trainStep } from '../train/train-step';
import type { BenchConfig } from './configs';
import { predictFast } from '../backend/native';

export interface Measurement {
  trainStepMs: number;
  inferStepMs: number;
  trainImgPerSec: number;
  inferImgPerSec: number;
  finalLoss: number;
  /** Process-wide peak resident set size so far (getrusage), in MB. */
  peakRssMB: number;
  /** numTensors / numBytes identical after the first and the last timed train step. */
  tensorMemoryFlat: boolean;
  numTensors: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeSteps(warmup: number, steps: number, step: () => void, afterStep?: (i: number) => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    step();
    if (i >= warmup) {
      times.push(performance.now() - t0);
      afterStep?.(i - warmup);
    }
  }
  return times;
}

export async function measureConfig(cfg: BenchConfig): Promise<Measurement> {
  const model = buildModel({ model: cfg.model, base: cfg.base, size: cfg.size, seed: 0 });
  // The studio's optimizer (what train.ts uses): PyTorch's eps, fused update on 'native'.
  const optimizer = createAdam(1e-3);
  const x = tf.randomUniform([cfg.batch, cfg.size, cfg.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([cfg.batch, cfg.size, cfg.size, 1], 0, 1, 'float32', 2), 0.5), 'float32')) as tf.Tensor4D;
  let loss = NaN;
  let first: tf.MemoryInfo | undefined;
  let last: tf.MemoryInfo | undefined;
  try {
    const train = () => {
      // The studio's own step (train.ts): the compiled training plan on 'native', tfjs' gradients elsewhere.
      const out = trainStep(model, optimizer, x, y);
      // Reading the loss forces the step to finish, as .item() does in the PyTorch bench.
      loss = out.loss.dataSync()[0]!;
      tf.dispose([out.loss, out.parts]);
    };
    const trainTimes = timeSteps(cfg.warmup, cfg.trainSteps, train, (i) => {
      if (i === 0) first = tf.memory();
      last = tf.memory();
    });
    const infer = () =>
      tf.tidy(() => {
        // What the studio's evaluate/predict run: the compiled plan on 'native', predict elsewhere.
        predictFast(model, x).dataSync();
      });
    const inferTimes = timeSteps(cfg.warmup, cfg.inferSteps, infer);
    const trainStepMs = median(trainTimes);
    const inferStepMs = median(inferTimes);
    return {
      trainStepMs,
      inferStepMs,
      trainImgPerSec: (cfg.batch * 1000) / trainStepMs,
      inferImgPerSec: (cfg.batch * 1000) / inferStepMs,
      finalLoss: loss,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      tensorMemoryFlat: first!.numTensors === last!.numTensors && first!.numBytes === last!.numBytes,
      numTensors: last!.numTensors,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
}
