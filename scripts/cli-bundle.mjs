// Whether the built CLI (out/cli/<id>/, made by scripts/build-cli.mjs) may run: only when every
// source file it was built from is unchanged, so a developer editing src/ never runs stale
// JavaScript. The check is one small JSON read and one stat per input file (~180 files, a few
// milliseconds); bin/seg-studio.mjs and the training worker's launcher both use it.
// Plain JavaScript with Node built-ins only: it runs before anything is compiled.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bumped when the layout of a build or of its manifest changes. */
export const CLI_BUILD_FORMAT = 1;
/** Relative to the repository root. */
export const CLI_BUILD_DIR = join('out', 'cli');
/** The manifest naming the current build and the files it was made from. */
export const CLI_MANIFEST = 'current.json';

/**
 * The folder of the current build when it is fresh, else null.
 * Fresh: the manifest's format matches, and every input (relative path → [mtimeMs, size]) still
 * has exactly the recorded modification time and size. An edited, replaced or deleted input
 * makes it stale; a new file matters only once an input imports it, and that input changed.
 * @param {string} root the repository root
 * @returns {string | null}
 */
export function freshCliBuild(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, CLI_BUILD_DIR, CLI_MANIFEST), 'utf8'));
  } catch {
    return null;
  }
  if (manifest?.format !== CLI_BUILD_FORMAT || typeof manifest.id !== 'string' || !manifest.inputs) return null;
  for (const [rel, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    let st;
    try {
      st = statSync(join(root, rel));
    } catch {
      return null;
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) return null;
  }
  const dir = join(root, CLI_BUILD_DIR, manifest.id);
  try {
    statSync(join(dir, 'main.js'));
    statSync(join(dir, 'train-worker.js'));
  } catch {
    return null;
  }
  return dir;
}
