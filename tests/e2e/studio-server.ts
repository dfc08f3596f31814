// Starts the real HTTP host (`seg-studio serve`) on a free loopback port with a temporary
// database and a known token (passed as SEG_STUDIO_TOKEN, as README advises: out of `ps`), and
// stops it (and only it) afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface StudioServer {
  url: string;
  token: string;
  /** The page address the server prints (with ?token=). */
  pageUrl: string;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * `openSample`: let the server open the bundled sample dataset on its first start, as it does for
 * users. Off by default, since the other e2e files start from an empty studio on purpose.
 */
export async function startStudioServer(opts: { dataDir: string; datasetsRoot: string; openSample?: boolean }): Promise<StudioServer> {
  const token = randomBytes(16).toString('hex');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/seg-studio.mjs'),
      'serve',
      '--port', '0',
      '--db', join(opts.dataDir, 'studio.db'),
      '--static', join(ROOT, 'out/renderer'),
      '--datasets-root', opts.datasetsRoot,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production', SEG_STUDIO_NO_SAMPLE: opts.openSample ? '0' : '1', SEG_STUDIO_TOKEN: token } },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const pageUrl = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`seg-studio serve did not start within 60 s:\n${output}`)), 60_000);
    const onData = () => {
      const m = /at (http:\/\/\S+\/\?token=\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`seg-studio serve exited with ${code}:\n${output}`));
    });
  });
  const url = new URL(pageUrl).origin;
  return {
    url,
    token,
    pageUrl,
    log: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
