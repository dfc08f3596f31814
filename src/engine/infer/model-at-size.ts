// The same model for another input size, for multi-scale test-time augmentation (tta.ts). The
// layers are fully convolutional, so only the declared input shape ties a model to its training
// size; tfjs' predict refuses any other. The twin is built from the model's own layer config with
// that one shape changed, and given the model's weights. Twins are kept per model and size (a
// native inference plan is compiled per model, so a new twin per batch would recompile each time)
// and disposed with the model: its dispose() is wrapped once, so every caller that already
// disposes its model frees the twins too.
import * as tf from '@tensorflow/tfjs';

const twinsOf = new WeakMap<tf.LayersModel, Map<number, tf.LayersModel>>();

interface LayerConfigEntry {
  className: string;
  config: { batchInputShape?: Array<number | null> };
}

export function modelAtSize(model: tf.LayersModel, size: number): tf.LayersModel {
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4) throw new Error('multi-scale prediction needs a model with one image input');
  if (shape[1] === size && shape[2] === size) return model;
  let twins = twinsOf.get(model);
  if (!twins) {
    twins = new Map();
    twinsOf.set(model, twins);
    const own = twins;
    const dispose = model.dispose.bind(model);
    model.dispose = () => {
      for (const t of own.values()) t.dispose();
      own.clear();
      return dispose();
    };
  }
  const cached = twins.get(size);
  if (cached) return cached;
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: LayerConfigEntry[] };
  const inputs = config.layers.filter((l) => l.className === 'InputLayer');
  if (inputs.length !== 1) throw new Error(`multi-scale prediction needs a model with one input layer (found ${inputs.length})`);
  inputs[0]!.config.batchInputShape = [null, size, size, shape[3] ?? null];
  const twin = (tf.LayersModel as unknown as { fromConfig(cls: unknown, c: unknown, custom: object, fastWeightInit: boolean): tf.LayersModel }).fromConfig(
    tf.LayersModel,
    config,
    {},
    // The weights are set right after: skip drawing random initial values.
    true,
  );
  twin.setWeights(model.getWeights());
  twins.set(size, twin);
  return twin;
}
