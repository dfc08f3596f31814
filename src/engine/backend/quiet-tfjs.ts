// TensorFlow.js prints its own advice through console.warn (in Node, on the first tensor of the
// cpu backend: "Hi, looks like you are running TensorFlow.js in Node.js…", which is wrong here:
// the studio's native backend is the fast path). Its log functions stay silent when the `PROD`
// flag is set (tfjs-core/dist/log.js); in tfjs 4.22 that flag changes nothing else.
// SEG_STUDIO_DEBUG=1 keeps tfjs's warnings.
import * as tf from '@tensorflow/tfjs';

export function quietTfjs(): void {
  if (!process.env.SEG_STUDIO_DEBUG) tf.env().set('PROD', true);
}
