// The optimizer a test hands to trainStep when it wants the gradients themselves: it keeps them,
// by variable name, instead of stepping, so they can be compared with PyTorch's or a formula's.
import { ScheduledAdam } from '../../src/engine/train/optimizer';

export class GradientRecorder extends ScheduledAdam {
  readonly grads = new Map<string, Float32Array>();
  constructor() {
    super(1e-3);
  }
  override applyGradients(g: Parameters<ScheduledAdam['applyGradients']>[0]): void {
    const named = Array.isArray(g) ? g.map((e) => [e.name, e.tensor] as const) : Object.entries(g);
    for (const [name, t] of named) this.grads.set(name, (t.dataSync() as Float32Array).slice());
  }
}
