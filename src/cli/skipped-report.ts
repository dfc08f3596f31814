// The files a command did not use, each named with its reason, so a truncated download or a
// wrong-size mask is seen at once rather than guessed from a count. Shared by train, eval and
// predict; with --json the same list goes into the result as `skipped`.
import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { SkippedFile } from '../engine/types';
import type { CliOutput } from './output';

/** The list as it goes into --json output: the reason without the file name repeated in front. */
export function skippedForJson(skipped: SkippedFile[]): SkippedFile[] {
  return skipped.map(({ file, reason }) => ({ file, reason: reason.startsWith(`${file}: `) ? reason.slice(file.length + 2) : reason }));
}

/** Prints "skipped N files:" and one line per file (stdout; stderr under --json). Nothing when none. */
export function printSkipped(out: CliOutput, skipped: SkippedFile[]): void {
  if (skipped.length === 0) return;
  const list = skippedForJson(skipped);
  out.info(`skipped ${list.length} file${list.length === 1 ? '' : 's'}:\n${list.map((s) => `  ${s.file}: ${s.reason}`).join('\n')}`);
}

/**
 * Entries of an input folder that a command does not read (not among `used`): named so that a
 * photo with an unexpected extension is not silently left out. Dotfiles are not mentioned.
 */
export function ignoredEntries(dir: string, used: string[]): SkippedFile[] {
  const taken = new Set(used);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && !taken.has(join(dir, e.name)))
    .map((e) => ({
      file: join(dir, e.name),
      reason: e.isDirectory() ? 'a folder (only the files directly in the input folder are read)' : `not an image file (${extname(e.name) || 'no extension'})`,
    }))
    .sort((a, b) => a.file.localeCompare(b.file));
}
