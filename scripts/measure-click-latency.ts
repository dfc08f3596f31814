#!/usr/bin/env -S npx tsx
// Milliseconds per click of a click-to-segment model (predictWithClicks: encode the six input
// channels, forward pass on the compiled native plan, read the probabilities back) on a real
// photo, for a few model widths and input sizes. The weights are freshly initialised: the time
// of a forward pass does not depend on their values. Median and 90th percentile of N clicks
// after 3 warm-up clicks (the first compiles the plan). Also the process CPU time per click
// (user + system): with SEG_STUDIO_THREADS=1 that is close to what the click takes on an idle
// core, a useful figure when the machine is shared and wall times mostly measure waiting.
// Usage: npx tsx scripts/measure-click-latency.ts [N=30] [base:size ...]   e.g. 16:128 16:256 32:256
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/engine/backend/select-backend';
import { decodeImage } from '../src/engine/data/decode';
import { modelInputFromImage } from '../src/engine/infer/model-input';
import { buildModel } from '../src/engine/models/build-model';
import { predictWithClicks } from '../src/engine/interactive/interactive-predict';
import { thresholdMask } from '../src/engine/interactive/click-simulator';
import type { Click } from '../src/engine/interactive/clicks';

const n = Number(process.argv[2] ?? 30);
const configs = (process.argv.slice(3).length ? process.argv.slice(3) : ['16:128', '16:256', '32:256']).map((s) => s.split(':').map(Number) as [number, number]);
const backend = await selectBackend('auto');
const photo = await decodeImage(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'fixtures', 'oxford-mini', 'images', 'Abyssinian_11.jpg'));
console.log(`backend ${backend.backend} (${backend.device}); load ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')}`);
for (const [base, size] of configs) {
  const model = buildModel({ model: 'unet', base, size, seed: 1, inChannels: 6 });
  const rgb = new Float32Array(size * size * 3);
  modelInputFromImage(photo, size, rgb, 0);
  const clicks: Click[] = [];
  let prev: Uint8Array | null = null;
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    clicks.push({ x: (i * 37) % size, y: (i * 53) % size, positive: i % 3 !== 2 });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const probs = await predictWithClicks(model, rgb, clicks, prev, { size, clickRadius: 5 });
    const c1 = process.cpuUsage(c0);
    if (i >= 3) {
      times.push(performance.now() - t0);
      cpu.push((c1.user + c1.system) / 1000);
    }
    prev = thresholdMask(probs);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1);
  console.log(`UNet-${base} at ${size}²: wall median ${q(times, 0.5)} ms, p90 ${q(times, 0.9)} ms; CPU time median ${q(cpu, 0.5)} ms per click (${n} clicks)`);
  model.dispose();
}
