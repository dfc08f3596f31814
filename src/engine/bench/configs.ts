// The four reference configurations of the speed issue (batch 4). Step counts shrink with the
// cost of a step so the whole bench stays within minutes; timings are medians of timed steps.
// Small configurations get more warm-up: PyTorch's first steps at 64² ran 2-3x slower than its
// steady state (allocator and oneDNN primitive warm-up), which flattered our ratio.
export interface BenchConfig {
  name: string;
  model: 'unet' | 'resnet34_unet';
  base: number;
  size: number;
  batch: number;
  warmup: number;
  trainSteps: number;
  inferSteps: number;
}

export const BENCH_CONFIGS: BenchConfig[] = [
  { name: 'unet-b64-s256', model: 'unet', base: 64, size: 256, batch: 4, warmup: 1, trainSteps: 3, inferSteps: 3 },
  { name: 'resnet34unet-s256', model: 'resnet34_unet', base: 64, size: 256, batch: 4, warmup: 1, trainSteps: 3, inferSteps: 5 },
  { name: 'unet-b16-s128', model: 'unet', base: 16, size: 128, batch: 4, warmup: 5, trainSteps: 10, inferSteps: 20 },
  { name: 'unet-b8-s64', model: 'unet', base: 8, size: 64, batch: 4, warmup: 10, trainSteps: 30, inferSteps: 40 },
];

export function selectConfigs(only?: string[]): BenchConfig[] {
  if (!only || only.length === 0) return BENCH_CONFIGS;
  const unknown = only.filter((n) => !BENCH_CONFIGS.some((c) => c.name === n));
  if (unknown.length) {
    throw new Error(`unknown bench config(s): ${unknown.join(', ')}; known: ${BENCH_CONFIGS.map((c) => c.name).join(', ')}`);
  }
  return BENCH_CONFIGS.filter((c) => only.includes(c.name));
}
