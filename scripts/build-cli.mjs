#!/usr/bin/env node
// Builds the CLI and the training worker as plain JavaScript, so that `seg-studio` starts without
// compiling TypeScript (tsx took 1.5–3 s per start). esbuild (already installed for tsx and vite)
// bundles src/cli/main.ts and src/worker/train-worker.ts into out/cli/<id>/ as ES modules with
// code splitting: every command and every lazily imported backend is its own chunk, loaded only
// when used. npm packages stay external (sharp, better-sqlite3, tfjs and its wasm files load from
// node_modules; the native addon from native/build), so the build is only our own code.
//
// Run by `npm ci`/`npm install` (the `prepare` script), by `npm run build:cli`, and on demand by
// bin/seg-studio.mjs whenever scripts/cli-bundle.mjs finds the current build stale. Builds are
// written to a temporary folder and renamed into place, so concurrent CLIs (parallel tests) never
// see half a build; the manifest out/cli/current.json names the build and its inputs.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BUILD_DIR, CLI_BUILD_FORMAT, CLI_MANIFEST } from './cli-bundle.mjs';

const ENTRIES = { main: 'src/cli/main.ts', 'train-worker': 'src/worker/train-worker.ts' };
/** Files that shape the build without being bundled: a change to any of them rebuilds. */
const BUILD_INPUTS = ['package.json', 'tsconfig.json', 'scripts/build-cli.mjs', 'scripts/cli-bundle.mjs'];
/** Older builds are removed after a day (a long-running `serve` may still load chunks from its own). */
const KEEP_OLD_BUILDS_MS = 24 * 3600 * 1000;
const KEEP_TMP_MS = 3600 * 1000;

const toPosix = (p) => p.split(sep).join('/');

/**
 * Source files find files of the repository relative to themselves (the native addon under the
 * repository root, the torch script, the sample dataset) through `import.meta.url`. In the bundle each
 * module's `import.meta.url` is made to name its own source file again, relative to the chunk
 * (out/cli/<id>/ is three folders below the root), so those lookups behave exactly as under tsx
 * and the build can be moved with the repository.
 */
function sourceLocationPlugin(root, stamps) {
  return {
    name: 'source-location',
    setup(build) {
      build.onLoad({ filter: /\.tsx?$/ }, (args) => {
        stamps.set(toPosix(relative(root, args.path)), stampOf(args.path));
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader: 'ts' };
        const rel = toPosix(relative(root, args.path));
        if (/import\.meta\.(dirname|filename)\b/.test(text)) {
          return { errors: [{ text: `${rel}: use import.meta.url (import.meta.dirname/filename are not mapped in the CLI build)` }] };
        }
        const here = `new URL(${JSON.stringify(`../../../${rel}`)}, import.meta.url).href`;
        return { contents: text.replace(/\bimport\.meta\.url\b/g, here), loader: 'ts' };
      });
    },
  };
}

/**
 * TensorFlow.js ships CommonJS bundles that re-export one another. Imported from an ES module,
 * Node scans every one of them for export names first (cjs-module-lexer), which took 1.5–2 s
 * of `model-summary`'s start; `require` loads the same files in ~0.4 s. So in the build these
 * packages are loaded with `require` (created by the banner), and the same module objects are
 * seen through esbuild's namespace wrapper.
 */
function requireTfjsPlugin(root) {
  const TFJS = /^@tensorflow\/tfjs(-[a-z-]+)?$/;
  return {
    name: 'require-tfjs',
    setup(build) {
      build.onResolve({ filter: TFJS }, (args) =>
        args.kind === 'require-call' ? { path: args.path, external: true } : { path: args.path, namespace: 'require-tfjs' },
      );
      build.onLoad({ filter: /.*/, namespace: 'require-tfjs' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/** Lets the bundled CommonJS wrappers above call Node's own `require`. */
const REQUIRE_BANNER = "import { createRequire as __segStudioCreateRequire } from 'node:module'; const require = __segStudioCreateRequire(import.meta.url);";

/**
 * [mtimeMs, size] taken just BEFORE the file is read: a file edited while the build runs then
 * differs from its record, and the next start rebuilds (never the other way round).
 */
function stampOf(path) {
  const st = statSync(path);
  return [st.mtimeMs, st.size];
}

function prune(outRoot, keepId) {
  const now = Date.now();
  for (const name of readdirSync(outRoot)) {
    if (name === keepId || name === CLI_MANIFEST) continue;
    const path = join(outRoot, name);
    try {
      const age = now - statSync(path).mtimeMs;
      if (age > (name.startsWith('.tmp-') ? KEEP_TMP_MS : KEEP_OLD_BUILDS_MS)) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}

/**
 * Builds the CLI into out/cli/<id>/ and makes it current. Returns the build folder.
 * @param {string} root the repository root
 */
export async function buildCli(root) {
  const esbuild = await import('esbuild');
  const outRoot = join(root, CLI_BUILD_DIR);
  mkdirSync(outRoot, { recursive: true });
  const tmp = join(outRoot, `.tmp-${process.pid}-${Date.now().toString(36)}`);
  const stamps = new Map(BUILD_INPUTS.map((rel) => [rel, stampOf(join(root, rel))]));
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ENTRIES,
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      banner: { js: REQUIRE_BANNER },
      plugins: [sourceLocationPlugin(root, stamps), requireTfjsPlugin(root)],
    });
    // (Inputs in a plugin namespace, "require-tfjs:…", are not files.)
    const sources = Object.keys(result.metafile.inputs).filter((k) => !/^[a-z-]+:/.test(k));
    // Inputs esbuild read itself (not TypeScript: JSON, say) are stamped now, after the fact.
    for (const rel of sources.map(toPosix)) if (!stamps.has(rel)) stamps.set(rel, stampOf(join(root, rel)));
    const inputs = Object.fromEntries([...stamps.keys()].sort().map((rel) => [rel, stamps.get(rel)]));
    const id = createHash('sha256').update(JSON.stringify({ format: CLI_BUILD_FORMAT, esbuild: esbuild.version, inputs })).digest('hex').slice(0, 12);
    const dir = join(outRoot, id);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // The same build finished first in another process: use that one.
      if (!['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(err.code)) throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
    const manifestTmp = join(outRoot, `.tmp-${process.pid}-${CLI_MANIFEST}`);
    writeFileSync(manifestTmp, JSON.stringify({ format: CLI_BUILD_FORMAT, id, builtAt: new Date().toISOString(), inputs }, null, 1));
    renameSync(manifestTmp, join(outRoot, CLI_MANIFEST));
    prune(outRoot, id);
    return dir;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const t0 = performance.now();
  try {
    const dir = await buildCli(root);
    console.log(`built the CLI into ${relative(root, dir)} in ${Math.round(performance.now() - t0)} ms`);
  } catch (err) {
    // Not fatal for `npm ci`: bin/seg-studio.mjs then runs the sources through tsx.
    console.error(`could not build the CLI (seg-studio will run the TypeScript sources through tsx): ${err.message}`);
  }
}
