// Builds the optional native kernel addon (native/) at install time.
// Why optional: it needs a C++ compiler and oneDNN/OpenBLAS headers; without them the
// studio still works on the pure TensorFlow.js backends, so a failed build must never fail `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
if (process.env.SEG_STUDIO_SKIP_NATIVE === '1' || !existsSync(join(nativeDir, 'binding.gyp'))) {
  console.log('[seg-studio] native kernels: skipped');
  process.exit(0);
}
const gyp = process.env.npm_config_node_gyp;
const cmd = gyp ? process.execPath : 'npx';
const args = gyp ? [gyp, 'rebuild'] : ['--yes', 'node-gyp', 'rebuild'];
const res = spawnSync(cmd, args, { cwd: nativeDir, stdio: 'inherit', env: process.env });
if (res.status === 0) {
  console.log('[seg-studio] native kernels: built');
} else {
  console.warn('[seg-studio] native kernels: build failed; the studio falls back to the TensorFlow.js backends.');
  console.warn('[seg-studio] install libdnnl-dev and libopenblas-dev (Debian/Ubuntu) and run `npm rebuild` to get the fast CPU path.');
}
process.exit(0);
