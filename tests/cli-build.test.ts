// The CLI runs as built JavaScript (scripts/build-cli.mjs → out/cli/<id>/), and never as stale
// JavaScript: in a copy of the repository, editing a source file makes the next start rebuild
// (two CLIs starting at once both get the new build), SEG_STUDIO_CLI_SOURCE=1 runs the sources
// through tsx, and the built CLI loads npm packages and the native addon from where the sources
// would. (Start-up times are measured by scripts/measure-startup.mjs, not here.)
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freshCliBuild } from '../scripts/cli-bundle.mjs';

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const copy = mkdtempSync(join(tmpdir(), 'seg-cli-build-'));
for (const p of ['src', 'scripts', 'bin', 'package.json', 'tsconfig.json']) cpSync(join(root, p), join(copy, p), { recursive: true });
for (const p of ['node_modules', 'native']) symlinkSync(join(root, p), join(copy, p));

async function cli(args: string[], env: Record<string, string> = {}) {
  const r = await run(process.execPath, [join(copy, 'bin', 'seg-studio.mjs'), ...args], {
    cwd: copy,
    env: { ...process.env, SEG_STUDIO_DEBUG: '1', SEG_STUDIO_CLI_SOURCE: '', SEG_STUDIO_DB: join(copy, 'studio.db'), ...env },
    timeout: 120_000,
  });
  const entry = /seg-studio: running (\S+)/.exec(r.stderr)?.[1];
  return { ...r, entry };
}

const BUILT = new RegExp(`^${join(copy, 'out', 'cli').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f]{12}/main\\.js$`);

describe('the built CLI', () => {
  it('is built on first use, rebuilt after a source edit, and the sources run when asked', async () => {
    const first = await cli(['--help']);
    expect(first.entry).toMatch(BUILT);
    expect(first.stdout).toMatch(/^seg-studio — Pet Segmentation Studio command line/);
    expect(freshCliBuild(copy)).toBe(join(first.entry!, '..'));

    // Started again unchanged: the same build.
    expect((await cli(['--help'])).entry).toBe(first.entry);

    const main = join(copy, 'src', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace('Pet Segmentation Studio command line', 'Pet Segmentation Studio command line (edited)'));
    expect(freshCliBuild(copy)).toBeNull();
    const [a, b] = await Promise.all([cli(['--help']), cli(['--help'])]);
    for (const r of [a, b]) {
      expect(r.stdout).toMatch(/command line \(edited\)/);
      expect(r.entry).toMatch(BUILT);
      expect(r.entry).not.toBe(first.entry);
    }
    expect(a.entry).toBe(b.entry);
    expect(freshCliBuild(copy)).toBe(join(a.entry!, '..'));

    const source = await cli(['--help'], { SEG_STUDIO_CLI_SOURCE: '1' });
    expect(source.entry).toBe(join(copy, 'src', 'cli', 'main.ts'));
    expect(source.stdout).toMatch(/command line \(edited\)/);
  });

  it('finds tfjs, the wasm files and the native addon as the sources do', async () => {
    const r = await cli(['backends', '--json'], { VK_ICD_FILENAMES: join(copy, 'no-such-driver.json') });
    expect(r.entry).toMatch(BUILT);
    const list = JSON.parse(r.stdout.trim().split('\n').pop()!).backends as Array<{ name: string; available: boolean; reason?: string }>;
    const byName = Object.fromEntries(list.map((b) => [b.name, b]));
    expect(byName.wasm!.available, byName.wasm!.reason).toBe(true);
    expect(byName.native!.available, byName.native!.reason).toBe(true);
  });
});
