import { parseArgs } from 'node:util';
import { CliError } from './cli-error';

/**
 * One declarative definition per command: `node:util` parseArgs does the parsing, and the usage text and
 * every value check come from the same definition, so the help cannot drift from the options.
 *
 * parseArgs rather than citty: it ships with Node (no dependency, nothing to load before the first line of
 * output), its strict mode refuses unknown flags, and what it lacks — typed values, checks and the usage
 * text — is the small generator below. citty would print usage and errors itself (through consola), and
 * here stdout is for results only.
 */

/** A flag without a value. `--no-x` style flags are declared by their full name. */
export interface BooleanOption {
  type: 'boolean';
  description: string;
  short?: string;
}

/** A flag with a value; `parse` turns the text into the value (and throws on a bad one). */
export interface ValueOption<T = string> {
  type: 'string';
  /** The value's name in the usage text: `--top <k>`. */
  value: string;
  description: string;
  short?: string;
  /** Used when the flag is absent; shown in the usage text unless `defaultText` says it better. */
  default?: T;
  defaultText?: string;
  parse?: (raw: string, flag: string) => T;
  /** May be given more than once: the value is a list. */
  multiple?: boolean;
}

export type OptionDef = BooleanOption | ValueOption<unknown>;
export type OptionDefs = Readonly<Record<string, OptionDef>>;

type ValueOf<O> = O extends BooleanOption
  ? boolean
  : O extends { multiple: true; parse: (raw: string, flag: string) => infer T }
    ? T[]
    : O extends { multiple: true }
      ? string[]
      : O extends { parse: (raw: string, flag: string) => infer T }
        ? O extends { default: unknown }
          ? T
          : T | undefined
        : O extends { default: unknown }
          ? string
          : string | undefined;

/** The parsed flags of a command, typed from its definition. */
export type Values<O extends OptionDefs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface PositionalsDef {
  /** As shown in the usage line, e.g. `<file|directory>...`. */
  usage: string;
  description?: string;
  min: number;
  max?: number;
  /** The error when fewer than `min` are given. */
  missing?: string;
}

/** What a command reads and writes: the process's streams and environment, or a test's. */
export interface CommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C: long commands stop between items and report what they did. */
  signal?: AbortSignal;
}

export interface CommandDef<O extends OptionDefs> {
  name: string;
  /** What it does: the paragraphs under the usage line. (Its one-line summary is its row in commands.ts.) */
  description: string;
  options: O;
  positionals?: PositionalsDef;
  /** Exit statuses beyond 0 and 2 (usage error), e.g. `{ 1: 'some files failed' }`. */
  exitCodes?: Readonly<Record<number, string>>;
  /** Runs the command; returns the exit status. Only the process entry exits. */
  run(args: { values: Values<O>; positionals: string[] }, io: CommandIo): Promise<number>;
}

/** Declares a command (the identity function: it gives the definition its types). */
export function defineCommand<const O extends OptionDefs>(def: CommandDef<O>): CommandDef<O> {
  return def;
}

/** A command whose option types are no longer needed: what the command table holds. */
// biome-ignore lint/suspicious/noExplicitAny: the table holds commands of every option shape.
export type AnyCommand = CommandDef<any>;

/** The usage line in the help texts; `npx lambdavision <name>` is the command users type. */
export const PROGRAM = 'lambdavision';

// ------------------------------------------------------------------------------- parsing

const HELP: BooleanOption = { type: 'boolean', short: 'h', description: 'show this help' };

/** Parses argv by the definition; `help` when -h/--help was given. Throws CliError on a mistake. */
export function parseCommand<O extends OptionDefs>(
  def: CommandDef<O>,
  argv: readonly string[],
): { help: true } | { help: false; values: Values<O>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, option] of Object.entries(def.options)) {
    options[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.type === 'string' && option.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (parsed.values.help) return { help: true };
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(def.options)) {
    const raw = parsed.values[name];
    const flag = `--${name}`;
    if (option.type === 'boolean') {
      values[name] = raw === true;
      continue;
    }
    const parse = option.parse ?? ((text: string) => text);
    const one = (text: string) => {
      try {
        return parse(text, flag);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw error;
      }
    };
    if (raw === undefined) values[name] = option.multiple ? [] : option.default;
    else values[name] = Array.isArray(raw) ? raw.map((r) => one(String(r))) : one(String(raw));
  }
  const { positionals } = parsed;
  const spec = def.positionals;
  const max = spec ? (spec.max ?? Number.POSITIVE_INFINITY) : 0;
  if (positionals.length > max) {
    throw new CliError(
      max === 0
        ? `unexpected argument "${positionals[0]}"`
        : `too many arguments: ${spec?.usage} takes at most ${max}`,
    );
  }
  if (spec && positionals.length < spec.min) throw new CliError(spec.missing ?? `name ${spec.usage}`);
  return { help: false, values: values as Values<O>, positionals };
}

// ------------------------------------------------------------------------------- usage text

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines.join(`\n${indent}`);
}

/** The help text, generated from the definition. */
export function usageOf(def: AnyCommand): string {
  const entries: Array<[string, string]> = [];
  const all: OptionDefs = { ...def.options, help: HELP };
  for (const [name, option] of Object.entries(all)) {
    const short = option.short ? `-${option.short}, ` : '';
    const head = option.type === 'boolean' ? `${short}--${name}` : `${short}--${name} <${option.value}>`;
    let text = option.description;
    if (option.type === 'string') {
      const fallback =
        option.defaultText ?? (option.default === undefined ? undefined : String(option.default));
      if (fallback !== undefined) text += ` (default ${fallback})`;
      if (option.multiple) text += '; may be repeated';
    }
    entries.push([head, text]);
  }
  const width = Math.max(...entries.map(([head]) => head.length)) + 2;
  const lines = [
    `Usage: ${PROGRAM} ${def.name}${Object.keys(def.options).length ? ' [options]' : ''}${def.positionals ? ` ${def.positionals.usage}` : ''}`,
    '',
    def.description.trim(),
  ];
  if (def.positionals?.description) {
    lines.push('', 'Arguments:', `  ${def.positionals.usage}  ${def.positionals.description}`);
  }
  lines.push('', 'Options:');
  for (const [head, text] of entries)
    lines.push(`  ${head.padEnd(width)}${wrap(text, 100 - width, ' '.repeat(width + 2))}`);
  const codes: Record<number, string> = {
    0: 'success',
    2: 'usage error (this text follows the message)',
    ...def.exitCodes,
  };
  lines.push(
    '',
    'Exit status:',
    ...Object.entries(codes).map(([code, text]) => `  ${code.padStart(3)}  ${text}`),
  );
  return lines.join('\n');
}

/**
 * Runs a command on argv: parses, prints the help (stdout, exit 0) or a usage error (stderr, exit 2),
 * else runs it. CliErrors thrown while running are usage errors too; anything else propagates (a bug:
 * the entry prints its stack).
 */
export async function runCommand(def: AnyCommand, argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseCommand(def, argv);
    if (parsed.help) {
      io.stdout.write(`${usageOf(def)}\n`);
      return 0;
    }
    return await def.run({ values: parsed.values, positionals: parsed.positionals }, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`${PROGRAM} ${def.name}: ${error.message}\n\n${usageOf(def)}\n`);
    return 2;
  }
}
