// The Python values a state_dict pickle holds, as the reader and writer represent them in
// TypeScript: None → null, bool → boolean, int → number (bigint past 2^53), float → number,
// str → string, list → array, dict/OrderedDict → Map, tuple → PyTuple, a class or function
// named by the pickle → PyGlobal (only ever one the allow-list knows).

export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A float that must be written as a Python float even when it is a whole number (e.g. 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A dict whose class is collections.OrderedDict (what state_dict() returns). */
export class PyOrderedDict extends Map<unknown, unknown> {
  /** Attributes set by BUILD: state_dict's `_metadata` (module versions), kept but unused. */
  readonly attributes = new Map<unknown, unknown>();
}
