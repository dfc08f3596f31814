// Oxford-IIIT Pet downloader against a local HTTP server (127.0.0.1 only) serving archives built
// here from the oxford-mini fixture: full flow, resume after a dropped connection, servers that
// ignore Range or answer 416, truncated and malicious archives, refusal to overwrite, and an
// overwrite that replaces only what a previous download created (a user's own files stay).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  DatasetExistsError,
  downloadDataset,
  downloadResumable,
  extractArchive,
  MANIFEST_FILE,
  OverwriteRefusedError,
  safeEntryPath,
  verifyArchive,
} from '../src/engine/data/download';
import type { DownloadProgress } from '../src/engine/data/download';
import { fileHashes } from './helpers/file-hashes';

const FIXTURE = join(__dirname, 'fixtures/oxford-mini');

// ---- a minimal tar writer (ustar headers, GNU 'L' records for names over 100 bytes) ----
function header(name: string, size: number, type: string): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(size.toString(8).padStart(11, '0') + '\0', 124);
  b.write('14000000000\0', 136);
  b.fill(0x20, 148, 156);
  b.write(type, 156);
  b.write('ustar\0', 257);
  b.write('00', 263);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return b;
}
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

interface Entry {
  name: string;
  data?: Buffer;
  type?: '0' | '5';
}
function tar(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    if (Buffer.byteLength(e.name) > 100) {
      const long = Buffer.from(e.name + '\0');
      parts.push(header('././@LongLink', long.length, 'L'), long, pad(long.length));
    }
    parts.push(header(e.name, data.length, e.type ?? '0'), data, pad(data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
function tarOfFolder(root: string, top: string): Entry[] {
  const out: Entry[] = [{ name: top + '/', type: '5' }];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, d.name);
      const name = `${top}/${relative(join(root, top), p)}`;
      if (d.isDirectory()) {
        out.push({ name: name + '/', type: '5' });
        walk(p);
      } else out.push({ name, data: readFileSync(p) });
    }
  };
  walk(join(root, top));
  return out;
}

// ---- a local server with Range support and scripted misbehaviour ----
interface Req {
  path: string;
  range?: string;
  ifRange?: string;
  status?: number;
  sent: number;
}
interface Behaviour {
  /** Destroy the socket after this many body bytes on the first request for the path. */
  dropAfter?: Record<string, number>;
  ignoreRange?: boolean;
  /** Send this many bytes on the first request, then hold the connection open and call onStall. */
  stallAfter?: Record<string, number>;
  onStall?: () => void;
}
let server: Server;
let base = '';
let files: Record<string, Buffer> = {};
let behaviour: Behaviour = {};
let requests: Req[] = [];
const etag = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex')}"`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = files[path];
    const r: Req = { path, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, sent: 0 };
    requests.push(r);
    if (!body) return void res.writeHead((r.status = 404)).end();
    const m = /^bytes=(\d+)-$/.exec(r.range ?? '');
    const rangeOk = m && !behaviour.ignoreRange && (!r.ifRange || r.ifRange === etag(body));
    let start = 0;
    const head: Record<string, string | number> = { etag: etag(body), 'accept-ranges': 'bytes' };
    if (rangeOk) {
      start = Number(m[1]);
      if (start >= body.length) return void res.writeHead((r.status = 416), { 'content-range': `bytes */${body.length}` }).end();
      res.writeHead((r.status = 206), { ...head, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
    } else res.writeHead((r.status = 200), { ...head, 'content-length': body.length });
    const drop = behaviour.dropAfter?.[path];
    const first = requests.filter((q) => q.path === path).length === 1;
    const stall = behaviour.stallAfter?.[path];
    if (stall !== undefined && first) {
      r.sent = stall;
      res.write(body.subarray(start, start + stall), () => behaviour.onStall?.());
    } else if (drop !== undefined && first) {
      r.sent = drop;
      res.write(body.subarray(start, start + drop), () => res.socket?.destroy());
    } else {
      r.sent = body.length - start;
      res.end(body.subarray(start));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const imagesTgz = gzipSync(tar(tarOfFolder(FIXTURE, 'images')));
const annotationsTgz = gzipSync(tar(tarOfFolder(FIXTURE, 'annotations')));
const tmp: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'seg-dl-'));
  tmp.push(d);
  return d;
}
function serveOfficial(b: Behaviour = {}) {
  files = { '/pets/images.tar.gz': imagesTgz, '/pets/annotations.tar.gz': annotationsTgz };
  behaviour = b;
  requests = [];
}
const urls = { imagesUrl: () => `${base}/pets/images.tar.gz`, annotationsUrl: () => `${base}/pets/annotations.tar.gz` };
const fast = { retryDelayMs: 5 };
/** A dataset the user put together by hand (no download made it): no manifest. */
function installOld(dest: string) {
  cpSync(join(FIXTURE, 'images'), join(dest, 'images'), { recursive: true });
  cpSync(join(FIXTURE, 'annotations'), join(dest, 'annotations'), { recursive: true });
  writeFileSync(join(dest, 'images', 'marker-old.txt'), 'previous dataset');
}
/** The manifest as a plain "relative path → sha256" map, read with JSON.parse only. */
function manifestHashes(dest: string): Record<string, string> {
  const m = JSON.parse(readFileSync(join(dest, MANIFEST_FILE), 'utf8')) as { files: Record<string, { sha256: string }>; pending?: unknown };
  expect(m.pending).toBeUndefined();
  return Object.fromEntries(Object.entries(m.files).map(([k, v]) => [k, v.sha256]));
}
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** Everything under a folder as "relative path → sha256" (including the fixture's own prefix). */
function sha256Tree(dir: string, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(fileHashes(dir)).map(([rel, hash]) => [`${prefix}/${rel.split('\\').join('/')}`, hash]));
}
afterEach(() => {
  for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('downloadDataset over HTTP', () => {
  it('downloads, verifies, extracts and imports the whole dataset', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    const events: DownloadProgress[] = [];
    const r = await downloadDataset({ dest, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl(), onProgress: (p) => events.push(p) });
    expect(r.images).toBe(16);
    expect(r.counts).toEqual({ train: 9, valid: 1, test: 6, unlabeled: 0 });
    expect(r.archives.map((a) => [a.name, a.how, a.bytes])).toEqual([
      ['images.tar.gz', 'downloaded', imagesTgz.length],
      ['annotations.tar.gz', 'downloaded', annotationsTgz.length],
    ]);
    expect(fileHashes(join(dest, 'images'))).toEqual(fileHashes(join(FIXTURE, 'images')));
    expect(fileHashes(join(dest, 'annotations'))).toEqual(fileHashes(join(FIXTURE, 'annotations')));
    // Temp and download folders are gone; only the dataset and the manifest of what it created remain.
    expect(readdirSync(dest).sort()).toEqual([MANIFEST_FILE, 'annotations', 'images']);
    // The manifest lists exactly the fixture's files, with hashes computed here from the originals.
    expect(manifestHashes(dest)).toEqual({ ...sha256Tree(join(FIXTURE, 'images'), 'images'), ...sha256Tree(join(FIXTURE, 'annotations'), 'annotations') });
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['download', 'verify', 'extract', 'import']));
    const lastDl = events.filter((e) => e.phase === 'download' && e.file === 'images.tar.gz').at(-1)!;
    expect(lastDl).toMatchObject({ bytes: imagesTgz.length, total: imagesTgz.length });
    expect(events.every((e) => Number.isFinite(e.rate) && e.rate >= 0)).toBe(true);
    expect(requests.every((q) => q.range === undefined)).toBe(true);
  });

  it('resumes a dropped connection with a Range request and ends byte-identical', async () => {
    const N = 100_000;
    serveOfficial({ dropAfter: { '/pets/images.tar.gz': N } });
    const dest = join(freshDir(), 'pets');
    const t0 = performance.now();
    const r = await downloadDataset({ dest, ...fast, keepArchives: true, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    const seconds = (performance.now() - t0) / 1000;
    const img = requests.filter((q) => q.path === '/pets/images.tar.gz');
    expect(img).toHaveLength(2);
    expect(img[0]!.range).toBeUndefined();
    expect(img[1]!.range).toBe(`bytes=${N}-`);
    expect(img[1]!.ifRange).toBe(etag(imagesTgz));
    expect(img[1]!.status).toBe(206);
    expect(readFileSync(join(dest, '.download', 'images.tar.gz')).equals(imagesTgz)).toBe(true);
    const att = r.archives[0]!.attempts;
    expect(att.map((a) => [a.status, a.offset, a.received])).toEqual([
      [200, 0, N],
      [206, N, imagesTgz.length - N],
    ]);
    expect(att[0]!.error).toMatch(/connection dropped after 100000 of \d+ bytes/);
    expect(r.images).toBe(16);
    console.log(
      `resume: ${N} bytes before the drop, ${img[1]!.sent} bytes resumed with "Range: ${img[1]!.range}" ` +
        `(archive ${imagesTgz.length} bytes, byte-identical), whole flow ${seconds.toFixed(3)} s`,
    );
  });

  it('keeps the part file when retries run out and resumes it in a later call', async () => {
    const N = 150_000;
    serveOfficial({ dropAfter: { '/pets/images.tar.gz': N } });
    const dest = join(freshDir(), 'pets');
    const opts = { dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() };
    await expect(downloadDataset({ ...opts, retries: 0 })).rejects.toThrow(
      new RegExp(`download of ${urls.imagesUrl()} failed: connection dropped after ${N}.*${N} bytes kept`),
    );
    expect(statSync(join(dest, '.download', 'images.tar.gz.part')).size).toBe(N);
    expect(existsSync(join(dest, 'images'))).toBe(false);
    const r = await downloadDataset(opts);
    expect(requests.filter((q) => q.path === '/pets/images.tar.gz').map((q) => q.range)).toEqual([undefined, `bytes=${N}-`]);
    expect(r.images).toBe(16);
  });

  it('stops on abort, keeps the part file, and resumes it next time', async () => {
    const ac = new AbortController();
    const N = 60_000;
    // The server sends N bytes and then goes quiet; the user cancels while the download waits.
    serveOfficial({ stallAfter: { '/pets/images.tar.gz': N }, onStall: () => setTimeout(() => ac.abort(new Error('user cancelled')), 100) });
    const dest = join(freshDir(), 'pets');
    const opts = { dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() };
    await expect(downloadDataset({ ...opts, signal: ac.signal })).rejects.toThrow('user cancelled');
    const kept = statSync(join(dest, '.download', 'images.tar.gz.part')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(N);
    expect(existsSync(join(dest, '.download', 'lock'))).toBe(false);
    const r = await downloadDataset(opts);
    expect(requests.filter((q) => q.path === '/pets/images.tar.gz').at(-1)!.range).toBe(`bytes=${kept}-`);
    expect(r.images).toBe(16);
  });

  it('restarts from 0 when the server ignores Range (200 instead of 206)', async () => {
    const N = 80_000;
    serveOfficial({ dropAfter: { '/pets/images.tar.gz': N }, ignoreRange: true });
    const dest = join(freshDir(), 'pets');
    const r = await downloadDataset({ dest, ...fast, keepArchives: true, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    const img = requests.filter((q) => q.path === '/pets/images.tar.gz');
    expect(img.map((q) => [q.range, q.status])).toEqual([
      [undefined, 200],
      [`bytes=${N}-`, 200],
    ]);
    expect(r.archives[0]!.attempts.map((a) => [a.offset, a.received])).toEqual([
      [0, N],
      [N, imagesTgz.length],
    ]);
    expect(readFileSync(join(dest, '.download', 'images.tar.gz')).equals(imagesTgz)).toBe(true);
    expect(r.images).toBe(16);
  });

  it('treats 416 on a complete part file as done, and restarts when the server file changed', async () => {
    serveOfficial();
    const dir = freshDir();
    const file = join(dir, 'images.tar.gz');
    const url = urls.imagesUrl();
    writeFileSync(file + '.part', imagesTgz);
    writeFileSync(file + '.part.json', JSON.stringify({ url, total: imagesTgz.length, etag: etag(imagesTgz), lastModified: null }));
    const r = await downloadResumable({ url, file, ...fast });
    expect(requests.map((q) => [q.range, q.status])).toEqual([[`bytes=${imagesTgz.length}-`, 416]]);
    expect(r.bytes).toBe(imagesTgz.length);
    expect(readFileSync(file).equals(imagesTgz)).toBe(true);
    // A part from an older version of the file: If-Range does not match, the server sends it whole.
    requests = [];
    rmSync(file);
    writeFileSync(file + '.part', Buffer.alloc(5000, 7));
    writeFileSync(file + '.part.json', JSON.stringify({ url, total: 9999, etag: '"old"', lastModified: null }));
    await downloadResumable({ url, file, ...fast });
    expect(requests.map((q) => [q.range, q.ifRange, q.status])).toEqual([['bytes=5000-', '"old"', 200]]);
    expect(readFileSync(file).equals(imagesTgz)).toBe(true);
  });

  it('names the URL on HTTP errors, fails fast, and reuses a complete archive on the next run', async () => {
    serveOfficial();
    delete files['/pets/annotations.tar.gz'];
    const dest = join(freshDir(), 'pets');
    const opts = { dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() };
    await expect(downloadDataset(opts)).rejects.toThrow(`download of ${urls.annotationsUrl()} failed: HTTP 404 Not Found`);
    expect(requests.filter((q) => q.path === '/pets/annotations.tar.gz')).toHaveLength(1);
    expect(existsSync(join(dest, 'images'))).toBe(false);
    expect(readFileSync(join(dest, '.download', 'images.tar.gz')).equals(imagesTgz)).toBe(true);
    files['/pets/annotations.tar.gz'] = annotationsTgz;
    requests = [];
    const r = await downloadDataset(opts);
    expect(r.archives.map((a) => a.how)).toEqual(['reused', 'downloaded']);
    expect(requests.map((q) => q.path)).toEqual(['/pets/annotations.tar.gz']);
    expect(r.images).toBe(16);
    const refused = join(freshDir(), 'never');
    await expect(downloadDataset({ dest: refused, imagesUrl: 'http://127.0.0.1:9/images.tar.gz' })).rejects.toThrow(
      /download of http:\/\/127\.0\.0\.1:9\/images\.tar\.gz failed: connect ECONNREFUSED/,
    );
    expect(existsSync(refused)).toBe(false);
  });
});

describe('archive checks and safety', () => {
  it('detects a truncated archive before extracting and leaves the previous dataset intact', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    await downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    files['/pets/images.tar.gz'] = imagesTgz.subarray(0, Math.floor(imagesTgz.length * 0.6));
    const before = fileHashes(dest);
    await expect(
      downloadDataset({ dest, overwrite: true, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() }),
    ).rejects.toThrow(new RegExp(`${urls.imagesUrl()}: archive is truncated`));
    expect(fileHashes(dest)).toEqual(before);
    expect(readdirSync(dest).sort()).toEqual([MANIFEST_FILE, 'annotations', 'images']);
    // verifyArchive on its own says the same for a truncated local file.
    const f = join(freshDir(), 'cut.tar.gz');
    writeFileSync(f, imagesTgz.subarray(0, 50_000));
    await expect(verifyArchive(f)).rejects.toThrow(/truncated/);
  });

  it('detects a tar cut at an entry boundary inside a valid gzip stream', async () => {
    const raw = tar([{ name: 'images/a.jpg', data: Buffer.alloc(700, 1) }]);
    const f = join(freshDir(), 'cut.tar.gz');
    writeFileSync(f, gzipSync(raw.subarray(0, 512 + 1024))); // header + padded body, no end marker
    await expect(verifyArchive(f)).rejects.toThrow(/end-of-archive marker/);
    // The tar is whole but the gzip trailer is missing or its CRC is wrong: still refused.
    const good = gzipSync(raw);
    writeFileSync(f, good.subarray(0, good.length - 4));
    await expect(verifyArchive(f)).rejects.toThrow(/truncated/);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 8]! ^= 0xff;
    writeFileSync(f, badCrc);
    await expect(verifyArchive(f)).rejects.toThrow(/corrupt \(gzip: incorrect data check\)/);
  });

  it('refuses an archive with a ../ entry and writes nothing outside DEST', async () => {
    serveOfficial();
    const entries = tarOfFolder(FIXTURE, 'images');
    entries.splice(3, 0, { name: '../evil', data: Buffer.from('pwned') });
    files['/pets/images.tar.gz'] = gzipSync(tar(entries));
    const parent = freshDir();
    const dest = join(parent, 'pets');
    await expect(downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() })).rejects.toThrow(
      /unsafe archive entry "\.\.\/evil": has a "\.\." segment; refusing the whole archive/,
    );
    // DEST did not exist before, so the failed run removes the (empty) folder it made.
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(tmpdir(), 'evil'))).toBe(false);
    // The extractor refuses too, if called directly, before writing the bad entry.
    const f = join(parent, 'evil.tar.gz');
    writeFileSync(f, gzipSync(tar([{ name: 'images/../../evil2', data: Buffer.from('x') }])));
    await expect(extractArchive(f, join(dest, 'x'))).rejects.toThrow(/unsafe archive entry/);
    expect(existsSync(join(parent, 'evil2'))).toBe(false);
    for (const bad of ['/etc/passwd', 'C:\\x', 'a/../../b', '..\\b', 'images/..']) expect(() => safeEntryPath(bad)).toThrow(/unsafe/);
    expect(safeEntryPath('./images//a.jpg')).toBe('images/a.jpg');
  });

  it('refuses to overwrite an existing dataset unless overwrite is set', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    await downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    requests = [];
    const opts = { dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() };
    await expect(downloadDataset(opts)).rejects.toBeInstanceOf(DatasetExistsError);
    await expect(downloadDataset(opts)).rejects.toThrow(/already holds a dataset \(images\/, annotations\/\).*overwrite/);
    expect(requests).toEqual([]);
    const r = await downloadDataset({ ...opts, overwrite: true });
    expect(r.replacedExisting).toBe(true);
    expect(readdirSync(dest).sort()).toEqual([MANIFEST_FILE, 'annotations', 'images']);
  });

  it('overwrite keeps every file of a folder no download made, byte for byte, and fetches nothing', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    installOld(dest);
    writeFileSync(join(dest, 'notes.txt'), 'my notes');
    const before = fileHashes(dest);
    const err = await downloadDataset({ dest, overwrite: true, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(OverwriteRefusedError);
    expect((err as Error).message).toBe(
      `${dest} holds images/ and annotations/ that no seg-studio download created (no ${MANIFEST_FILE} lists their files); ` +
        'overwrite replaces only what a previous download put there, so nothing was changed. Move those folders away or choose another destination',
    );
    expect(fileHashes(dest)).toEqual(before);
    expect(readdirSync(dest).sort()).toEqual(['annotations', 'images', 'notes.txt']);
    expect(requests).toEqual([]);
  });

  it('overwrite replaces a previous download\'s files and keeps the user\'s own files in it', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    await downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    // The user adds their own photo, a label folder of their own and a note next to the download.
    const stem = readdirSync(join(dest, 'images')).filter((n) => n.endsWith('.jpg')).sort()[0]!.replace(/\.jpg$/, '');
    cpSync(join(dest, 'images', `${stem}.jpg`), join(dest, 'images', 'my_own_cat.jpg'));
    mkdirSync(join(dest, 'annotations', 'trimaps', '.versions'));
    writeFileSync(join(dest, 'annotations', 'trimaps', '.versions', `${stem}.v1.png`), 'an older mask version');
    writeFileSync(join(dest, 'README-mine.txt'), 'mine');
    const mine = ['images/my_own_cat.jpg', `annotations/trimaps/.versions/${stem}.v1.png`, 'README-mine.txt'];
    const mineBefore = Object.fromEntries(mine.map((f) => [f, sha256Of(join(dest, f))]));

    // The new release: one photo's bytes differ, one file is gone, one is new.
    const entries = tarOfFolder(FIXTURE, 'images');
    const changed = entries.find((e) => e.name === `images/${stem}.jpg`)!;
    const newBytes = Buffer.concat([changed.data!, Buffer.from('new release')]);
    const dropped = entries.find((e) => e.name.endsWith('.jpg') && e !== changed)!;
    const next = entries.filter((e) => e !== dropped).map((e) => (e === changed ? { ...e, data: newBytes } : e));
    next.push({ name: 'images/ADDED.txt', data: Buffer.from('new file') });
    files['/pets/images.tar.gz'] = gzipSync(tar(next));

    const r = await downloadDataset({ dest, overwrite: true, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    expect(r.replacedExisting).toBe(true);
    for (const f of mine) expect(sha256Of(join(dest, f)), f).toBe(mineBefore[f]);
    expect(readFileSync(join(dest, 'images', `${stem}.jpg`)).equals(newBytes)).toBe(true);
    expect(existsSync(join(dest, dropped.name))).toBe(false);
    expect(readFileSync(join(dest, 'images', 'ADDED.txt'), 'utf8')).toBe('new file');
    // The new manifest lists exactly the new release's files (not the user's).
    const expected: Record<string, string> = { ...sha256Tree(join(FIXTURE, 'annotations'), 'annotations') };
    for (const e of next) if (e.data) expected[e.name] = createHash('sha256').update(e.data).digest('hex');
    expect(manifestHashes(dest)).toEqual(expected);
    // No temp folder left behind.
    expect(readdirSync(dest).filter((n) => n.startsWith('.')).sort()).toEqual([MANIFEST_FILE]);
  });

  it('overwrite refuses when the user changed a downloaded file or owns a file the new release would replace', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    await downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    const trimap = readdirSync(join(dest, 'annotations', 'trimaps')).sort()[0]!;
    // An edited mask (same size on purpose: only the content tells).
    const maskFile = join(dest, 'annotations', 'trimaps', trimap);
    const edited = Buffer.from(readFileSync(maskFile));
    edited[edited.length - 1] ^= 0xff;
    writeFileSync(maskFile, edited);
    const before = fileHashes(dest);
    requests = [];
    const opts = { dest, overwrite: true, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() };
    await expect(downloadDataset(opts)).rejects.toThrow(
      `1 file(s) in ${dest} that the previous download created were changed since (annotations/trimaps/${trimap}); overwriting would lose those changes`,
    );
    expect(fileHashes(dest)).toEqual(before);
    expect(requests).toEqual([]);

    // Put the download's bytes back, then add a user file at a path the next release also has.
    cpSync(join(FIXTURE, 'annotations', 'trimaps', trimap), maskFile);
    files['/pets/images.tar.gz'] = gzipSync(tar([...tarOfFolder(FIXTURE, 'images'), { name: 'images/extra.jpg', data: Buffer.from('release') }]));
    writeFileSync(join(dest, 'images', 'extra.jpg'), 'the user\'s extra.jpg');
    const before2 = fileHashes(dest);
    await expect(downloadDataset(opts)).rejects.toThrow(`1 file(s) of the new dataset would replace files in ${dest} that no download created (images/extra.jpg); nothing was changed`);
    // Found once the new release is on disk: its archives stay in .download/ for the next try
    // (as after any failure past the download); the dataset and the user's file are untouched.
    const after2 = fileHashes(dest);
    expect(Object.keys(after2).filter((f) => f.startsWith('.download')).sort()).toEqual(['.download/annotations.tar.gz', '.download/images.tar.gz']);
    for (const f of Object.keys(after2)) if (f.startsWith('.download')) delete after2[f];
    expect(after2).toEqual(before2);
    expect(readdirSync(dest).filter((n) => n.startsWith('.')).sort()).toEqual(['.download', MANIFEST_FILE]);
  });

  it('refuses a manifest that names a path outside the dataset folders', async () => {
    serveOfficial();
    const dest = join(freshDir(), 'pets');
    await downloadDataset({ dest, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() });
    const m = JSON.parse(readFileSync(join(dest, MANIFEST_FILE), 'utf8'));
    m.files['images/../../outside.txt'] = { size: 1, mtimeMs: 1, sha256: '0'.repeat(64) };
    writeFileSync(join(dest, MANIFEST_FILE), JSON.stringify(m));
    await expect(downloadDataset({ dest, overwrite: true, ...fast, imagesUrl: urls.imagesUrl(), annotationsUrl: urls.annotationsUrl() })).rejects.toThrow(
      /\.seg-studio-download\.json: lists an unsafe path: unsafe archive entry "images\/\.\.\/\.\.\/outside\.txt"/,
    );
  });
});

describe('local sources and real tar archives', () => {
  it('accepts plain paths and file:// URLs and leaves the local archives in place', async () => {
    const src = freshDir();
    writeFileSync(join(src, 'images.tar.gz'), imagesTgz);
    writeFileSync(join(src, 'annotations.tar.gz'), annotationsTgz);
    const dest = join(freshDir(), 'pets');
    const r = await downloadDataset({ dest, imagesUrl: join(src, 'images.tar.gz'), annotationsUrl: pathToFileURL(join(src, 'annotations.tar.gz')).href });
    expect(r.images).toBe(16);
    expect(r.archives.map((a) => a.how)).toEqual(['local', 'local']);
    expect(readdirSync(src).sort()).toEqual(['annotations.tar.gz', 'images.tar.gz']);
    await expect(downloadDataset({ dest: join(freshDir(), 'p'), imagesUrl: join(src, 'nope.tar.gz') })).rejects.toThrow(/nope\.tar\.gz: archive file does not exist/);
  });

  it('reads GNU and pax archives made by tar(1): long names extracted, symlinks skipped', async () => {
    const src = freshDir();
    const long = 'd'.repeat(60) + '/' + 'n'.repeat(120) + '.txt';
    mkdirSync(join(src, 'images', 'd'.repeat(60)), { recursive: true });
    writeFileSync(join(src, 'images', long), 'long name');
    symlinkSync('/etc/passwd', join(src, 'images', 'link'));
    for (const format of ['gnu', 'pax']) {
      const f = join(src, `${format}.tar.gz`);
      execFileSync('tar', [`--format=${format}`, '-czf', f, '-C', src, 'images']);
      const v = await verifyArchive(f);
      expect(v.skipped).toEqual([{ path: 'images/link', reason: 'symbolic link to "/etc/passwd" not extracted' }]);
      const out = join(src, `out-${format}`);
      expect(await extractArchive(f, out)).toBe(1);
      expect(readFileSync(join(out, 'images', long), 'utf8')).toBe('long name');
      expect(existsSync(join(out, 'images', 'link'))).toBe(false);
    }
  });
});

describe('seg-studio dataset download', () => {
  it('downloads with --json, then refuses to overwrite without --force', () => {
    const src = freshDir();
    writeFileSync(join(src, 'images.tar.gz'), imagesTgz);
    writeFileSync(join(src, 'annotations.tar.gz'), annotationsTgz);
    const dest = join(src, 'pets');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(__dirname, '../bin/seg-studio.mjs'), 'dataset', 'download', '--dest', dest, ...args, '--json'], {
        encoding: 'utf8',
        env: { ...process.env, SEG_STUDIO_PETS_IMAGES_URL: join(src, 'images.tar.gz'), SEG_STUDIO_PETS_ANNOTATIONS_URL: join(src, 'annotations.tar.gz') },
      });
    const first = cli();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ dest, images: 16, counts: { train: 9, valid: 1, test: 6 } });
    const second = cli();
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already holds a dataset .*pass --force/);
    expect(cli('--force').status).toBe(0);

    // A folder the user made: --overwrite (an alias of --force) keeps every file and says why.
    const own = join(src, 'own');
    installOld(own);
    const before = fileHashes(own);
    const refused = spawnSync(process.execPath, [join(__dirname, '../bin/seg-studio.mjs'), 'dataset', 'download', '--dest', own, '--overwrite', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, SEG_STUDIO_PETS_IMAGES_URL: join(src, 'images.tar.gz'), SEG_STUDIO_PETS_ANNOTATIONS_URL: join(src, 'annotations.tar.gz') },
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${own} holds images/ and annotations/ that no seg-studio download created`);
    expect(fileHashes(own)).toEqual(before);
  });
});
