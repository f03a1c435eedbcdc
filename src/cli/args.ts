/**
 * A small declarative flag parser on top of `node:util` parseArgs: each command lists its flags
 * once, and the same list drives parsing, validation and `--help`.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `<port>`. */
  value?: string;
  default?: string | boolean;
  description: string;
  short?: string;
  /** May be given more than once (the value is then a string array). */
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** How many positional arguments the command takes. @default 0 */
  positionals?: { min: number; max: number };
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${spec.name}: ${cleanParseError(error)}`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help) return { flags: {}, positionals: [], help: true };
  const range = spec.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < range.min) {
    throw new UsageError(`${spec.name}: missing argument (usage: ${spec.usage})`);
  }
  if (parsed.positionals.length > range.max) {
    throw new UsageError(`${spec.name}: unexpected argument "${parsed.positionals[range.max]}"`);
  }
  const flags: ParsedArgs['flags'] = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    flags[name] = values[name] ?? flag.default;
  }
  return { flags, positionals: parsed.positionals, help: false };
}

function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs appends advice about '--' that does not apply to us.
  return message.split('. To specify')[0]!.replace(/\.$/, '');
}

/** Parses a command's arguments; on `--help` prints the help and returns undefined instead. */
export function parseOrHelp(spec: CommandSpec, argv: string[]): ParsedArgs | undefined {
  const args = parseCommandArgs(spec, argv);
  if (!args.help) return args;
  process.stdout.write(formatHelp(spec));
  return undefined;
}

export function formatHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const left = `  ${flag.short ? `-${flag.short}, ` : ''}--${name}${flag.value ? ` ${flag.value}` : ''}`;
    const fallback =
      flag.default === undefined || flag.default === false
        ? ''
        : ` (default: ${String(flag.default)})`;
    return [left, `${flag.description}${fallback}`] as const;
  });
  rows.push(['  -h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => left.padEnd(width) + right);
  return `${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** Parses an integer flag within bounds, or says which flag is wrong. */
export function intFlag(name: string, raw: unknown, min: number, max: number): number {
  const text = String(raw);
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Parses a positive decimal flag within bounds. */
export function numberFlag(name: string, raw: unknown, min: number, max: number): number {
  const text = String(raw);
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** `~` and `~/x` as the shell would expand them; everything else made absolute. */
export function expandHome(path: string): string {
  return resolve(path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path);
}
