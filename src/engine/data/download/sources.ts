// Where the two archives come from: the official Oxford host by default, a mirror via options or
// environment, or a local file (file:// URL or plain path) for offline machines.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_IMAGES_URL = 'https://thor.robots.ox.ac.uk/datasets/pets/images.tar.gz';
export const DEFAULT_ANNOTATIONS_URL = 'https://thor.robots.ox.ac.uk/datasets/pets/annotations.tar.gz';

export type Source = { kind: 'http'; url: string } | { kind: 'file'; path: string };

export function resolveSource(spec: string, cwd = process.cwd()): Source {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', url: new URL(spec).href };
  if (scheme === 'file') return { kind: 'file', path: fileURLToPath(spec) };
  if (scheme) throw new Error(`${spec}: unsupported URL scheme "${scheme}" (use http, https, file:// or a local path)`);
  if (!spec.trim()) throw new Error('empty archive URL or path');
  return { kind: 'file', path: resolve(cwd, spec) };
}

export function sourceLabel(s: Source): string {
  return s.kind === 'http' ? s.url : s.path;
}

export interface ArchiveSpec {
  /** File name inside DEST/.download, e.g. "images.tar.gz". */
  name: string;
  source: Source;
  sha256?: string;
}

export interface SourceOptions {
  imagesUrl?: string;
  annotationsUrl?: string;
  imagesSha256?: string;
  annotationsSha256?: string;
}

/** Option > environment variable > official URL, for each archive. */
export function archiveSpecs(opts: SourceOptions, env: NodeJS.ProcessEnv = process.env): ArchiveSpec[] {
  const pick = (v: string | undefined, e: string | undefined, d: string) => v || e || d;
  return [
    {
      name: 'images.tar.gz',
      source: resolveSource(pick(opts.imagesUrl, env.SEG_STUDIO_PETS_IMAGES_URL, DEFAULT_IMAGES_URL)),
      sha256: opts.imagesSha256 || env.SEG_STUDIO_PETS_IMAGES_SHA256 || undefined,
    },
    {
      name: 'annotations.tar.gz',
      source: resolveSource(pick(opts.annotationsUrl, env.SEG_STUDIO_PETS_ANNOTATIONS_URL, DEFAULT_ANNOTATIONS_URL)),
      sha256: opts.annotationsSha256 || env.SEG_STUDIO_PETS_ANNOTATIONS_SHA256 || undefined,
    },
  ];
}
