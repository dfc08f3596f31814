#!/usr/bin/env node
// Sets the Electron fuses a packaged Pet Segmentation Studio should have, in the packaged app's
// Electron binary (fuses are bits compiled into the binary; they cannot be set at run time, and
// flipping them in node_modules/electron would change every app using that copy). Run it at
// packaging time, after the app is copied and before it is signed:
//
//   node scripts/apply-electron-fuses.mjs <binary or .app> [--no-asar] [--check]
//
// e.g. from an electron-builder afterPack hook, or by hand on dist/linux-unpacked/pet-segmentation-studio.
// It needs only the binary it is given (no Electron download: ELECTRON_SKIP_BINARY_DOWNLOAD=1 is
// fine). --check reports the fuses without changing anything and fails when one differs.
// docs/security.md explains each fuse.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import fusesModule from '@electron/fuses';

const { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } = fusesModule;

/**
 * The studio's fuses. `asar`: the app ships as an app.asar (with its integrity hash); a build
 * that ships the app as a plain folder cannot have the two asar fuses on (it would not start).
 */
export function studioFuses({ asar = true } = {}) {
  return {
    version: FuseVersion.V1,
    // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node.js runtime. The training
    // worker is a utilityProcess, which does not need it.
    [FuseV1Options.RunAsNode]: false,
    // Cookies and other on-disk session data encrypted with the OS keychain.
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS (e.g. --require of any script) and --inspect would let another local program
    // run code inside the app's main process.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // Only the packaged app.asar, checked against its hash, is loaded: no swapped app folder.
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: asar,
    [FuseV1Options.OnlyLoadAppFromAsar]: asar,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // The renderer comes from app://studio; file:// pages get no extra privileges.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // macOS arm64 binaries are ad-hoc signed; flipping bytes invalidates that signature.
    resetAdHocDarwinSignature: process.platform === 'darwin' && process.arch === 'arm64',
  };
}

/** Fuse index → wanted state byte ('0' or '1'), for comparing with a binary's wire. */
function wanted(config) {
  const out = new Map();
  for (const [k, v] of Object.entries(config)) if (/^\d+$/.test(k)) out.set(Number(k), v ? '1' : '0');
  return out;
}

/** The fuses of a binary that differ from the studio's: [{ fuse, want, have }]. */
export async function fuseDifferences(binary, opts = {}) {
  const wire = await getCurrentFuseWire(binary);
  const diffs = [];
  for (const [i, want] of wanted(studioFuses(opts))) {
    const byte = wire[i];
    const have = byte === undefined ? 'absent' : byte === 114 ? 'removed' : String.fromCharCode(byte);
    if (have !== want && have !== 'removed') diffs.push({ fuse: FuseV1Options[i], want, have });
  }
  return diffs;
}

export async function applyStudioFuses(binary, opts = {}) {
  if (!existsSync(binary)) throw new Error(`${binary}: no such file (point this at the packaged app's Electron binary or .app)`);
  await flipFuses(binary, studioFuses(opts));
  const left = await fuseDifferences(binary, opts);
  if (left.length > 0) throw new Error(`${binary}: fuses not set: ${left.map((d) => d.fuse).join(', ')}`);
}

async function main(argv) {
  const args = argv.filter((a) => !a.startsWith('--'));
  const asar = !argv.includes('--no-asar');
  if (args.length !== 1 || argv.includes('--help')) {
    process.stderr.write('usage: node scripts/apply-electron-fuses.mjs <packaged Electron binary or .app> [--no-asar] [--check]\n');
    return 2;
  }
  const binary = args[0];
  if (argv.includes('--check')) {
    const diffs = await fuseDifferences(binary, { asar });
    for (const d of diffs) process.stdout.write(`${d.fuse}: ${d.have}, want ${d.want}\n`);
    process.stdout.write(diffs.length ? `${binary}: ${diffs.length} fuse(s) differ\n` : `${binary}: fuses as the studio wants them\n`);
    return diffs.length ? 1 : 0;
  }
  await applyStudioFuses(binary, { asar });
  process.stdout.write(`${binary}: fuses set (asar ${asar ? 'on' : 'off'})\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
