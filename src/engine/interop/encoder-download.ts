// torchvision's ResNet-34 ImageNet weights, downloaded once into the data folder's cache with
// the dataset downloader's resumable transfer (engine/data/download/resumable-download.ts:
// progress, Range resume within a call and across calls) and verified before use.
//
// Verification: torchvision publishes the first 8 hex digits of each file's SHA-256 in its name
// (resnet34-b627a593.pth) and checks only that prefix (torch.hub.download_url_to_file's
// hash_prefix); the full digest is not published. The studio checks the same prefix (a longer
// expected digest, when given, is checked in full), then the file's structure when it is loaded
// (every torchvision key with its shape, imagenet-encoder.ts).
//
// Files in <data folder>/cache/encoders/:
//   resnet34-b627a593.pth              verified; the only file training reads
//   resnet34-b627a593.pth.unverified   a complete download whose digest did not match: kept (never
//                                      deleted behind the user's back), never used; checked again
//                                      first on the next attempt, so it is not downloaded twice
//   resnet34-b627a593.pth.unverified.part (+ .json)  an interrupted transfer, resumed next time
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { downloadResumable } from '../data/download/resumable-download';

export const RESNET34_IMAGENET = {
  url: 'https://download.pytorch.org/models/resnet34-b627a593.pth',
  file: 'resnet34-b627a593.pth',
  /** torchvision's published hash prefix (ResNet34_Weights.IMAGENET1K_V1). */
  sha256: 'b627a593',
} as const;

export interface EncoderDownloadOptions {
  /** The data folder (the database's folder); the file is cached under cache/encoders/. */
  dataDir: string;
  url?: string;
  /** Expected SHA-256, full or a prefix of at least 8 hex digits. */
  sha256?: string;
  /** Cache file name (default resnet34-b627a593.pth). */
  file?: string;
  onProgress?: (bytes: number, total: number | null) => void;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
}

export interface EncoderWeightsFile {
  path: string;
  sha256: string;
  /** 'cache': already there; 'download': fetched now (possibly resuming a part); 'kept': a kept unverified file now matched. */
  source: 'cache' | 'download' | 'kept';
  attempts: number;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function ensureEncoderWeights(opts: EncoderDownloadOptions): Promise<EncoderWeightsFile> {
  const url = opts.url ?? RESNET34_IMAGENET.url;
  const expected = (opts.sha256 ?? RESNET34_IMAGENET.sha256).toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(expected)) throw new Error(`expected SHA-256 "${expected}" is not 8 to 64 hex digits`);
  const dir = join(opts.dataDir, 'cache', 'encoders');
  const final = join(dir, opts.file ?? RESNET34_IMAGENET.file);
  const unverified = `${final}.unverified`;
  const check = async (file: string) => {
    const digest = await sha256Of(file);
    return { digest, ok: digest.startsWith(expected) };
  };

  if (existsSync(final)) {
    const { digest, ok } = await check(final);
    if (!ok) throw new Error(`${final}: SHA-256 ${digest} does not match the expected ${expected}; the cached file was changed or damaged. It is left as it is: remove it to download it again`);
    return { path: final, sha256: digest, source: 'cache', attempts: 0 };
  }
  mkdirSync(dir, { recursive: true });
  let source: EncoderWeightsFile['source'] = 'kept';
  let attempts = 0;
  if (!existsSync(unverified)) {
    const r = await downloadResumable({ url, file: unverified, onProgress: opts.onProgress, signal: opts.signal, retries: opts.retries, retryDelayMs: opts.retryDelayMs });
    source = 'download';
    attempts = r.attempts.length;
  }
  const { digest, ok } = await check(unverified);
  if (!ok) {
    throw new Error(
      `${url}: the downloaded file's SHA-256 ${digest} does not match the published ${expected}; it is not used. ` +
        `It is kept as ${unverified} (checked again on the next attempt); remove it to download it again`,
    );
  }
  renameSync(unverified, final);
  return { path: final, sha256: digest, source, attempts };
}
