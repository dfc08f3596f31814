// The one schema every path field of the contract (and the run config's `data`) uses. The cap
// is checked before anything touches the disk: a 400 KB path once kept the HTTP host busy for
// 10 s in the guard. 4096 is Linux's PATH_MAX; longer paths cannot be opened anyway.
import { z } from 'zod';

export const MAX_PATH_CHARS = 4096;

export const pathSchema = z
  .string()
  .min(1, 'a path is required')
  .max(MAX_PATH_CHARS, `a path is at most ${MAX_PATH_CHARS} characters`)
  .refine((p) => !p.includes('\0'), 'a path cannot contain a NUL character');

/** Archive URLs (or, in the desktop app, local archive paths): the same cap. */
export const urlOrPathSchema = z
  .string()
  .min(1, 'a URL is required')
  .max(MAX_PATH_CHARS, `a URL is at most ${MAX_PATH_CHARS} characters`)
  .refine((p) => !p.includes('\0'), 'a URL cannot contain a NUL character');
