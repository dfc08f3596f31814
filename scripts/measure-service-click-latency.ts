#!/usr/bin/env -S npx tsx
// Milliseconds per click of the label editor's click tool as the studio answers it
// (labeling.click through the services' dispatch: click mapping, encoding, the forward pass on
// the compiled native plan, resize to the photo, run-length answer), for a few click-model
// widths and input sizes, on a 500×335 fixture photo. Each model is freshly initialised and saved
// as a run's checkpoint in a temporary database (the time of a forward pass does not depend on
// the weights' values). Reports the median and 90th percentile of N warm clicks (after 3 warm-up
// clicks), the model's share, and the process CPU time per click with the load average, since
// on a shared machine wall time says as much about the neighbours as about the model.
// Usage: npx tsx scripts/measure-service-click-latency.ts [N=20] [base:size ...]   e.g. 16:256 64:256
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../src/engine/backend/select-backend';
import { buildModel } from '../src/engine/models/build-model';
import { saveCheckpoint } from '../src/engine/train/checkpoint';
import { createStudioServices } from '../src/services/studio-services';
import { parseRunConfig } from '../src/shared/run-config';
import type { ClickMaskResult } from '../src/shared/contract';

const n = Number(process.argv[2] ?? 20);
const configs = (process.argv.slice(3).length ? process.argv.slice(3) : ['16:256', '32:256', '64:256']).map((s) => s.split(':').map(Number) as [number, number]);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'seg-click-latency-'));
const data = join(work, 'oxford-mini');
cpSync(join(root, 'tests', 'fixtures', 'oxford-mini'), data, { recursive: true });
const backend = await selectBackend('auto');
const s = createStudioServices({ dbPath: join(work, 'studio.db'), recover: false });
const opened = await s.dispatch('datasets', 'open', { path: data });
if (!opened.ok) throw new Error(opened.error.message);
const datasetId = (opened.result as { dataset: { id: number } }).dataset.id;
const sampleId = 'american_bulldog_76';
console.log(`backend ${backend.backend} (${backend.device}); photo ${sampleId} 500×333; load ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);

const q = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(p * v.length))]!;
try {
  for (const [base, size] of configs) {
    const config = parseRunConfig({ data, model: 'unet', base, size, interactive: { enabled: true } });
    const run = s.store.runs.create({ name: `latency UNet-${base} ${size}²`, config, runDirFor: (id) => join(work, `run-${id}`) });
    const model = buildModel({ model: 'unet', base, size, seed: 1, inChannels: 6 });
    await saveCheckpoint(join(run.runDir, 'best'), model, { kind: 'best', epoch: 1, config, bestValidDice: 0, bestEpoch: 1, history: [], backend: backend.backend });
    model.dispose();
    const clicks: Array<{ x: number; y: number; positive: boolean }> = [];
    const wall: number[] = [];
    const modelMs: number[] = [];
    const server: number[] = [];
    let prevMask: ClickMaskResult['modelMask'] | undefined;
    let cpu = 0;
    for (let i = 0; i < n + 3; i++) {
      clicks.push({ x: 40 + ((i * 37) % 420), y: 30 + ((i * 53) % 270), positive: i % 3 !== 2 });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const env = await s.dispatch('labeling', 'click', { datasetId, sampleId, runId: run.id, clicks, prevMask });
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (!env.ok) throw new Error(env.error.message);
      const r = env.result as ClickMaskResult;
      prevMask = r.modelMask;
      if (i < 3) continue;
      wall.push(t);
      server.push(r.ms);
      modelMs.push(r.modelMs);
      cpu += (c.user + c.system) / 1000;
    }
    console.log(
      `UNet-${base} at ${size}²: median ${q(server, 0.5).toFixed(1)} ms, p90 ${q(server, 0.9).toFixed(1)} ms per click in the service ` +
        `(model ${q(modelMs, 0.5).toFixed(1)} ms; dispatch ${q(wall, 0.5).toFixed(1)} ms); CPU ${(cpu / n).toFixed(1)} ms per click; load ${loadavg()[0]!.toFixed(1)}`,
    );
  }
} finally {
  s.close();
  rmSync(work, { recursive: true, force: true });
}
