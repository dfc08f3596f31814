// A pickle protocol 2 writer for the values a state_dict pickle holds (pickle-values.ts), opcode
// for opcode what Python's pickle writes for them, so torch.load (weights_only or not) reads it.
import { PyFloat, PyGlobal, PyOrderedDict, PyTuple } from './pickle-values';

/** A call written as GLOBAL + args + REDUCE (e.g. torch._utils._rebuild_tensor_v2(...)). */
export class PyReduce {
  constructor(
    readonly fn: PyGlobal,
    readonly args: PyTuple,
  ) {}
}

/** A persistent id written with BINPERSID (torch: a storage, saved as its own file). */
export class PyPersistent {
  constructor(readonly pid: PyTuple) {}
}

class Out {
  private chunks: Buffer[] = [];
  byte(...b: number[]): void {
    this.chunks.push(Buffer.from(b));
  }
  bytes(b: Buffer): void {
    this.chunks.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeInt(out: Out, v: number | bigint): void {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256) return out.byte(0x4b, v); // BININT1
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 65536) return out.byte(0x4d, v & 0xff, v >> 8); // BININT2
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
    const b = Buffer.alloc(5);
    b[0] = 0x4a; // BININT
    b.writeInt32LE(v, 1);
    return out.bytes(b);
  }
  // LONG1: little-endian two's complement, as few bytes as hold the sign.
  let x = BigInt(v);
  const bytes: number[] = [];
  for (;;) {
    bytes.push(Number(x & 0xffn));
    x >>= 8n;
    const sign = bytes[bytes.length - 1]! & 0x80;
    if ((x === 0n && !sign) || (x === -1n && sign)) break;
  }
  out.byte(0x8a, bytes.length, ...bytes);
}

function writeString(out: Out, s: string): void {
  const b = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(5);
  head[0] = 0x58; // BINUNICODE
  head.writeUInt32LE(b.length, 1);
  out.bytes(head);
  out.bytes(b);
}

function writeValue(out: Out, v: unknown): void {
  if (v === null || v === undefined) return out.byte(0x4e); // NONE
  if (v === true) return out.byte(0x88);
  if (v === false) return out.byte(0x89);
  if (typeof v === 'bigint') return writeInt(out, v);
  if (typeof v === 'number' && Number.isInteger(v)) return writeInt(out, v);
  if (typeof v === 'number' || v instanceof PyFloat) {
    const b = Buffer.alloc(9);
    b[0] = 0x47; // BINFLOAT
    b.writeDoubleBE(typeof v === 'number' ? v : v.value, 1);
    return out.bytes(b);
  }
  if (typeof v === 'string') return writeString(out, v);
  if (v instanceof PyGlobal) return out.bytes(Buffer.from(`c${v.module}\n${v.name}\n`, 'utf8')); // GLOBAL
  if (v instanceof PyReduce) {
    writeValue(out, v.fn);
    writeValue(out, v.args);
    return out.byte(0x52); // REDUCE
  }
  if (v instanceof PyPersistent) {
    writeValue(out, v.pid);
    return out.byte(0x51); // BINPERSID
  }
  if (v instanceof PyTuple) {
    const n = v.items.length;
    if (n === 0) return out.byte(0x29); // EMPTY_TUPLE
    if (n > 3) out.byte(0x28); // MARK
    for (const item of v.items) writeValue(out, item);
    return out.byte(n === 1 ? 0x85 : n === 2 ? 0x86 : n === 3 ? 0x87 : 0x74);
  }
  if (v instanceof PyOrderedDict) {
    // OrderedDict's __reduce__: OrderedDict() then SETITEMS, as Python pickles it.
    writeValue(out, new PyReduce(new PyGlobal('collections', 'OrderedDict'), new PyTuple([])));
    return writeItems(out, v);
  }
  if (v instanceof Map) {
    out.byte(0x7d); // EMPTY_DICT
    return writeItems(out, v);
  }
  if (Array.isArray(v)) {
    out.byte(0x5d); // EMPTY_LIST
    if (v.length === 0) return;
    out.byte(0x28);
    for (const item of v) writeValue(out, item);
    return out.byte(0x65); // APPENDS
  }
  throw new Error(`cannot pickle a ${typeof v} (${Object.prototype.toString.call(v)})`);
}

function writeItems(out: Out, m: Map<unknown, unknown>): void {
  if (m.size === 0) return;
  out.byte(0x28); // MARK
  for (const [k, val] of m) {
    writeValue(out, k);
    writeValue(out, val);
  }
  out.byte(0x75); // SETITEMS
}

export function pickle(value: unknown): Buffer {
  const out = new Out();
  out.byte(0x80, 2); // PROTO 2
  writeValue(out, value);
  out.byte(0x2e); // STOP
  return out.done();
}
