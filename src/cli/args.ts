// A small argument parser: `--name value`, `--name=value`, boolean flags, and the reference
// scripts' snake_case spellings (`--data_path`, `--batch_size`) mapped onto the studio's names.

export interface FlagSpec {
  /** Canonical kebab-case name, e.g. "batch-size". */
  name: string;
  type: 'string' | 'number' | 'boolean';
  aliases?: string[];
  description: string;
  default?: string | number | boolean;
}

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | undefined>;
  positionals: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    byName.set(s.name.replace(/-/g, '_'), s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = byName.get(rawName) ?? (rawName.startsWith('no-') ? byName.get(rawName.slice(3)) : undefined);
    if (!spec) throw new UsageError(`unknown option --${rawName}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) flags[spec.name] = !/^(false|0|no)$/i.test(arg.slice(eq + 1));
      else flags[spec.name] = !rawName.startsWith('no-') || byName.get(rawName) === spec;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new UsageError(`--${spec.name} needs a value`);
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${spec.name}: "${value}" is not a number`);
      flags[spec.name] = n;
    } else flags[spec.name] = value;
  }
  for (const s of specs) if (flags[s.name] === undefined && s.default !== undefined) flags[s.name] = s.default;
  return { flags, positionals };
}

export function formatHelp(usage: string, specs: FlagSpec[]): string {
  const lines = [`Usage: ${usage}`, '', 'Options:'];
  for (const s of specs) {
    const names = [`--${s.name}`, ...(s.aliases ?? []).map((a) => `--${a}`)].join(', ');
    const val = s.type === 'boolean' ? '' : s.type === 'number' ? ' N' : ' VALUE';
    const def = s.default !== undefined ? ` (default ${s.default})` : '';
    lines.push(`  ${(names + val).padEnd(44)} ${s.description}${def}`);
  }
  return lines.join('\n');
}

export function str(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags[name];
  return v === undefined ? undefined : String(v);
}

export function num(flags: ParsedArgs['flags'], name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}

export function requireStr(flags: ParsedArgs['flags'], name: string): string {
  const v = str(flags, name);
  if (!v) throw new UsageError(`--${name} is required`);
  return v;
}
