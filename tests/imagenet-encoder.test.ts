// ImageNet encoder for the ResNet34-UNet: torchvision's resnet34 state_dict loads into the
// studio's encoder, whose layer1-4 feature maps then equal torchvision.models.resnet34's (real
// torchvision, tests/helpers/imagenet_encoder.py: weights it initialised itself and saved with
// torch.save, so nothing is downloaded); and the download path (encoder-download.ts) against a
// local HTTP server serving that file: SHA-256 verified, an interrupted transfer resumed within a
// call and across calls, a wrong checksum refused with the file kept (not used), a damaged cache
// refused.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { registerNativeBackend } from '../src/engine/backend/native';
import { torchPython } from '../src/engine/bench/torch';
import { ensureEncoderWeights, RESNET34_IMAGENET } from '../src/engine/interop/encoder-download';
import { applyEncoderWeights, loadResNet34Encoder } from '../src/engine/interop/imagenet-encoder';
import { buildModel } from '../src/engine/models/build-model';
import { torchMapping } from '../src/engine/models/torch-names';
import { parseRunConfig, RUN_PRESETS } from '../src/shared/run-config';
import { Rng } from '../src/engine/util/rng';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'imagenet_encoder.py');
const SIZE = 64;
const BATCH = 2;
const skipNative = process.env.SEG_STUDIO_SKIP_NATIVE === '1';
const reg = skipNative ? { ok: false } : await registerNativeBackend();

let dir = '';
let pth = '';
let pthBytes: Buffer = Buffer.alloc(0);
let sha256 = '';
const tmp: string[] = [];
const measured: string[] = [];

function floats(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'imagenet-cache-'));
  tmp.push(d);
  return d;
}

// ---- a local server for the weights file: Range support, and a first response that can be cut ----
let server: Server;
let url = '';
let dropFirstAfter: number | null = null;
/** What the server sends: the torchvision file, or a small stand-in for the byte-level cases (hashing 87 MB costs time). */
let body: Buffer = Buffer.alloc(0);
const standIn = Buffer.from(new Uint8Array(3_000_000).map((_, i) => (i * 2654435761) >>> 24));
const standInSha = createHash('sha256').update(standIn).digest('hex');
let requests: Array<{ range?: string; status: number; sent: number }> = [];

beforeAll(async () => {
  if (!skipNative) expect(reg.ok, 'native backend').toBe(true);
  await tf.setBackend(skipNative ? 'cpu' : 'native');
  dir = mkdtempSync(join(tmpdir(), 'imagenet-encoder-'));
  const rng = new Rng(3);
  writeFileSync(join(dir, 'x.bin'), new Float32Array(BATCH * SIZE * SIZE * 3).map(() => rng.uniform(-2, 2.5)));
  const r = spawnSync(torchPython(), [SCRIPT, dir, String(BATCH), String(SIZE)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${SCRIPT} failed (needs ${torchPython()} with torch and torchvision; Debian: apt-get install python3-torchvision): ${(r.stderr || r.error?.message || '').trim().slice(-1500)}`);
  measured.push(`torchvision ${r.stdout.trim()}`);
  pth = join(dir, 'resnet34.pth');
  pthBytes = readFileSync(pth);
  sha256 = createHash('sha256').update(pthBytes).digest('hex');

  server = createServer((req, res) => {
    const entry = { range: req.headers.range, status: 200, sent: 0 };
    requests.push(entry);
    const m = /^bytes=(\d+)-$/.exec(entry.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const head = { etag: `"${body.length}"`, 'accept-ranges': 'bytes' };
    if (m) res.writeHead((entry.status = 206), { ...head, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
    else res.writeHead(200, { ...head, 'content-length': body.length });
    if (dropFirstAfter !== null && requests.length === 1) {
      entry.sent = dropFirstAfter;
      res.write(body.subarray(start, start + dropFirstAfter), () => res.socket?.destroy());
    } else {
      entry.sent = body.length - start;
      res.end(body.subarray(start));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/models/resnet34-test.pth`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  for (const d of [dir, ...tmp]) if (d) rmSync(d, { recursive: true, force: true });
  if (measured.length) console.log(`imagenet encoder:\n  ${measured.join('\n  ')}`);
});

function serve(opts: { dropFirstAfter?: number; file?: Buffer } = {}): void {
  requests = [];
  dropFirstAfter = opts.dropFirstAfter ?? null;
  body = opts.file ?? pthBytes;
}

describe('ImageNet encoder weights', () => {
  it('torchvision resnet34 weights in the studio encoder give torchvision\'s layer1-4 feature maps', async () => {
    const model = buildModel({ model: 'resnet34_unet', base: 64, size: SIZE, randomWeights: false });
    const config = parseRunConfig({ data: 'sample', model: 'resnet34_unet', base: 64, size: SIZE, encoderWeights: 'imagenet', encoderWeightsPath: pth });
    const report = await applyEncoderWeights(model, config, {}); // what training does at model creation
    const mapping = torchMapping(model, 'resnet34_unet');
    expect(report!.tensors).toBe(mapping.weights.filter((w) => w.key.startsWith('encoder.')).length);
    const encoder = tf.model({ inputs: model.inputs, outputs: mapping.skips });
    const x = tf.tensor4d(floats(join(dir, 'x.bin')), [BATCH, SIZE, SIZE, 3]);
    const feats = encoder.predict(x) as tf.Tensor[];
    const lines: string[] = [];
    feats.forEach((f, i) => {
      const tv = floats(join(dir, `layer${i + 1}.bin`));
      const got = f.dataSync();
      expect(got.length).toBe(tv.length);
      let d = 0, scale = 0;
      for (let j = 0; j < tv.length; j++) (d = Math.max(d, Math.abs(got[j]! - tv[j]!))), (scale = Math.max(scale, Math.abs(tv[j]!)));
      lines.push(`layer${i + 1} max |Δ| ${d.toExponential(2)} (max |torchvision| ${scale.toFixed(2)})`);
      expect(d, `layer${i + 1}`).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
    });
    measured.push(`features vs torchvision: ${lines.join(', ')}`);
    tf.dispose([...feats, x]);
    model.dispose();
  });

  it('refuses a file that is not a torchvision resnet34, and a model that cannot take the weights', () => {
    const unet = buildModel({ model: 'unet', base: 4, size: 32, randomWeights: false });
    expect(() => loadResNet34Encoder(unet, pth)).toThrow(/not a studio ResNet34-UNet/);
    unet.dispose();
    const small = buildModel({ model: 'resnet34_unet', base: 8, size: 64, randomWeights: false });
    expect(() => loadResNet34Encoder(small, pth)).toThrow(/resnet34\.pth: does not fit this resnet34_unet \(encoder\): "conv1\.weight" has shape \[64,3,7,7\], the model needs \[8,3,7,7\]/);
    const notResnet = join(dir, 'not-resnet.pth');
    writeFileSync(notResnet, 'hello');
    expect(() => loadResNet34Encoder(small, notResnet)).toThrow(/not-resnet\.pth: not a PyTorch \.pth file/);
    small.dispose();
    expect(() => parseRunConfig({ data: 'sample', model: 'unet', encoderWeights: 'imagenet' })).toThrow(/encoderWeights: imagenet needs model resnet34_unet with base 64/);
    expect(() => parseRunConfig({ data: 'sample', model: 'resnet34_unet', base: 32, encoderWeights: 'imagenet' })).toThrow(/base 64/);
    expect(parseRunConfig({ data: 'sample', ...RUN_PRESETS['resnet34-imagenet']!.config })).toMatchObject({ model: 'resnet34_unet', base: 64, encoderWeights: 'imagenet' });
    expect(RESNET34_IMAGENET.url).toBe('https://download.pytorch.org/models/resnet34-b627a593.pth');
  });

  it('downloads once into the data folder, verified, resuming a dropped connection with Range', async () => {
    const dataDir = freshDir();
    serve({ dropFirstAfter: 1_000_000 });
    const progress: number[] = [];
    const got = await ensureEncoderWeights({ dataDir, url, sha256: sha256.slice(0, 8), retryDelayMs: 10, onProgress: (b) => progress.push(b) });
    expect(got).toMatchObject({ path: join(dataDir, 'cache', 'encoders', RESNET34_IMAGENET.file), sha256, source: 'download', attempts: 2 });
    expect(requests.map((q) => [q.status, q.range])).toEqual([[200, undefined], [206, 'bytes=1000000-']]);
    expect(createHash('sha256').update(readFileSync(got.path)).digest('hex')).toBe(sha256);
    expect(progress.at(-1)).toBe(pthBytes.length);
    measured.push(`download: ${pthBytes.length} bytes, dropped after 1000000, resumed with "${requests[1]!.range}"`);
    // Used from the cache from now on: no request, and the same weights as the file.
    serve();
    const model = buildModel({ model: 'resnet34_unet', base: 64, size: SIZE, randomWeights: false });
    const report = await applyEncoderWeights(model, { model: 'resnet34_unet', base: 64, encoderWeights: 'imagenet' }, { dataDir, source: { url, sha256: sha256.slice(0, 8) } });
    model.dispose();
    expect(requests).toHaveLength(0);
    expect(report).toMatchObject({ file: got.path, download: { source: 'cache', sha256 } });
  });

  it('resumes in a later call what an interrupted call left behind', async () => {
    const dataDir = freshDir();
    serve({ dropFirstAfter: 700_000, file: standIn });
    await expect(ensureEncoderWeights({ dataDir, url, sha256: standInSha.slice(0, 8), retries: 0 })).rejects.toThrow(/700000 bytes kept in .*\.unverified\.part, run again to resume/);
    expect(existsSync(join(dataDir, 'cache', 'encoders', RESNET34_IMAGENET.file))).toBe(false);
    const got = await ensureEncoderWeights({ dataDir, url, sha256: standInSha.slice(0, 8), retries: 0 });
    expect(requests.map((q) => [q.status, q.range])).toEqual([[200, undefined], [206, 'bytes=700000-']]);
    expect(readFileSync(got.path).equals(standIn)).toBe(true);
  });

  it('refuses a wrong checksum: the file is kept aside, never used, and not downloaded again', async () => {
    const dataDir = freshDir();
    const final = join(dataDir, 'cache', 'encoders', RESNET34_IMAGENET.file);
    serve({ file: standIn });
    const wrong = standInSha.startsWith('0') ? '1'.repeat(8) : '0'.repeat(8);
    await expect(ensureEncoderWeights({ dataDir, url, sha256: wrong })).rejects.toThrow(new RegExp(`SHA-256 ${standInSha} does not match the published ${wrong}; it is not used\\. It is kept as .*\\.unverified`));
    expect(existsSync(final)).toBe(false);
    expect(readFileSync(`${final}.unverified`).equals(standIn)).toBe(true);
    // Training with that cache is refused too (the default hash b627a593 does not match the test file either).
    const model = buildModel({ model: 'resnet34_unet', base: 64, size: SIZE, randomWeights: false });
    await expect(applyEncoderWeights(model, { model: 'resnet34_unet', base: 64, encoderWeights: 'imagenet' }, { dataDir })).rejects.toThrow(/does not match the published b627a593/);
    model.dispose();
    expect(existsSync(final)).toBe(false);
    // With the right checksum the kept bytes are verified and used, with no new transfer.
    serve({ file: standIn });
    const got = await ensureEncoderWeights({ dataDir, url, sha256: standInSha });
    expect(got).toMatchObject({ path: final, source: 'kept', attempts: 0 });
    expect(requests).toHaveLength(0);
  });

  it('refuses a cached file that was changed, and leaves it as it is', async () => {
    const dataDir = freshDir();
    serve({ file: standIn });
    const got = await ensureEncoderWeights({ dataDir, url, sha256: standInSha });
    const damaged = Buffer.from(standIn);
    damaged[damaged.length >> 1] ^= 0xff;
    writeFileSync(got.path, damaged);
    await expect(ensureEncoderWeights({ dataDir, url, sha256: standInSha })).rejects.toThrow(/the cached file was changed or damaged\. It is left as it is/);
    expect(readFileSync(got.path).equals(damaged)).toBe(true);
  });
});
