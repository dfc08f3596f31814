// A safe, minimal unpickler: only the opcodes torch.save's pickles use (protocol 2, plus the
// protocol 3/4 ones a newer Python may emit), and no code is ever run. A GLOBAL is resolved only
// through the allow-list the caller passes (torch-globals.ts): anything else — os.system,
// builtins.eval, subprocess.Popen, a class to construct — is refused with the file and the name,
// before anything is called. Modelled on the opcode set of torch/_weights_only_unpickler.py and
// candle's pickle.rs ("just enough pickle").
import { PyGlobal, PyOrderedDict, PyTuple } from './pickle-values';

/** What a REDUCE on an allowed global does with its arguments. */
export type Callable = (args: unknown[]) => unknown;

export interface UnpickleOptions {
  /** The file the bytes came from, named in every error. */
  file: string;
  /** `module.name` → the callable it stands for, or `null` for a global that is only a marker (a storage type). */
  globals: ReadonlyMap<string, Callable | null>;
  /** Resolves a BINPERSID (torch: the tuple ('storage', type, key, location, numel)). */
  persistentLoad?: (pid: unknown) => unknown;
}

export class UnsafePickleError extends Error {}

const MARK = Symbol('mark');

export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  return unpickleAt(bytes, 0, opts).value;
}

/** One pickle starting at byte `start`; `end` is the byte after its STOP (the legacy format chains pickles). */
export function unpickleAt(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: unknown; end: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  const fail = (problem: string): never => {
    throw new Error(`${opts.file}: unreadable pickle at byte ${pos} (${problem})`);
  };
  const need = (n: number) => {
    if (pos + n > buf.length) fail('truncated');
  };
  const u8 = () => (need(1), buf[pos++]!);
  const u16 = () => (need(2), (pos += 2), buf.readUInt16LE(pos - 2));
  const u32 = () => (need(4), (pos += 4), buf.readUInt32LE(pos - 4));
  const i32 = () => (need(4), (pos += 4), buf.readInt32LE(pos - 4));
  const u64 = () => {
    need(8);
    const v = buf.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(buf.length)) fail('a length past the end of the data');
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), buf.subarray(pos - n, pos));
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated line');
    const s = buf.toString('utf8', pos, end);
    pos = end + 1;
    return s;
  };
  const pop = () => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const top = () => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const popMark = (): unknown[] => {
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i] === MARK) {
        const items = stack.splice(i);
        items.shift();
        return items;
      }
    }
    return fail('no MARK on the stack');
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const qualified = `${module}.${name}`;
    if (!opts.globals.has(qualified)) {
      throw new UnsafePickleError(
        `${opts.file}: refused: the pickle names the Python global "${qualified}", which a PyTorch state_dict never holds ` +
          `(loading it would run code). Allowed: ${[...opts.globals.keys()].join(', ')}`,
      );
    }
    return new PyGlobal(module, name);
  };
  const setItem = (target: unknown, k: unknown, v: unknown) => {
    if (!(target instanceof Map)) fail('SETITEM on something that is not a dict');
    (target as Map<unknown, unknown>).set(k, v);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME (a length prefix only)
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: { // LONG4
        const n = op === 0x8a ? u8() : u32();
        if (n > 64) fail('an integer longer than 64 bytes');
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString('utf8'));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(take(u32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x42: // BINBYTES
        stack.push(Buffer.from(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Buffer.from(take(u8())));
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list');
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
        (list as unknown[]).push(...items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of values');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo ${k} was never stored`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop(), fn = pop();
        if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) fail('REDUCE needs a global and a tuple');
        const call = opts.globals.get((fn as PyGlobal).qualified);
        if (!call) throw new UnsafePickleError(`${opts.file}: refused: the pickle calls "${(fn as PyGlobal).qualified}", which is not a function it may call`);
        stack.push(call((args as PyTuple).items));
        break;
      }
      case 0x62: { // BUILD: the state of an object. Only an OrderedDict's attributes (state_dict's `_metadata`) are expected.
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyOrderedDict) || !(state instanceof Map)) fail('BUILD on something other than an OrderedDict');
        for (const [k, v] of state as Map<unknown, unknown>) (obj as PyOrderedDict).attributes.set(k, v);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('a persistent id, but this file has no storages');
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      default:
        throw new UnsafePickleError(`${opts.file}: refused: pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} is not one a PyTorch state_dict uses`);
    }
  }
}
