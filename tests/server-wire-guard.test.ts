// The two pieces every HTTP request relies on: bytes surviving the JSON wire, and the path
// guard refusing what lies outside the allowed folders (symlinks and ../ included).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError, decodeWire, encodeWire, errorEnvelope, unwrapEnvelope } from '../src/shared/contract';
import { PathGuard } from '../src/services/path-guard';

describe('wire codec', () => {
  it('round-trips Uint8Array and Buffer of every length, nested', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const back = decodeWire<{ a: { b: Uint8Array[] }; buf: Uint8Array }>(encodeWire({ a: { b: [bytes] }, buf: Buffer.from(bytes) }));
      expect(back.a.b[0]).toBeInstanceOf(Uint8Array);
      expect(Array.from(back.a.b[0]!)).toEqual(Array.from(bytes));
      expect(Array.from(back.buf)).toEqual(Array.from(bytes));
      expect(encodeWire(bytes)).toBe(JSON.stringify({ $bytes: Buffer.from(bytes).toString('base64') }));
    }
  });

  it('leaves ordinary objects alone', () => {
    expect(decodeWire(encodeWire({ $bytes: 'AA==', other: 1 }))).toEqual({ $bytes: 'AA==', other: 1 });
  });

  it('carries error codes through envelopes', () => {
    const env = errorEnvelope(new StudioError('PATH_REFUSED', 'no'));
    expect(env).toEqual({ ok: false, error: { message: 'no', code: 'PATH_REFUSED' } });
    expect(() => unwrapEnvelope(env)).toThrow(StudioError);
    expect(errorEnvelope(new Error('boom'))).toEqual({ ok: false, error: { message: 'boom', code: 'INTERNAL' } });
  });
});

describe('path guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seg-guard-'));
  const data = join(dir, 'data');
  const ds = join(dir, 'dataset');
  const outside = join(dir, 'outside');
  for (const d of [data, ds, outside]) mkdirSync(d);
  symlinkSync(outside, join(data, 'link-out'));
  const roots: string[] = [];
  const guard = new PathGuard([data], () => roots);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('allows the data folder and paths not yet created inside it', () => {
    expect(guard.check(join(data, 'exports', 'new', 'x.png'), 't')).toBe(join(data, 'exports', 'new', 'x.png'));
  });

  it('refuses outside paths, ../ escapes and symlinks pointing out', () => {
    expect(() => guard.check(outside, 't')).toThrow(/outside/);
    expect(() => guard.check(join(data, '..', 'outside'), 't')).toThrow(StudioError);
    expect(() => guard.check(join(data, 'link-out', 'f.png'), 't')).toThrow(/outside/);
    expect(() => guard.check(`${data}-evil`, 't')).toThrow(/outside/);
    expect(() => guard.check('', 't')).toThrow(/not a valid path/);
  });

  it('allows a dataset as soon as it is opened', () => {
    expect(() => guard.check(join(ds, 'a.jpg'), 't')).toThrow();
    roots.push(ds);
    expect(guard.check(join(ds, 'a.jpg'), 't')).toBe(join(ds, 'a.jpg'));
  });
});
