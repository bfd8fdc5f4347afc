// The one shape every command has: its words, arguments and flags declared next to its options
// type, a function from parsed arguments to those options, and a run function taking the options
// and a CommandContext. src/cli/main.ts turns these declarations into commander commands.
import { FORMATS, type Format } from '../output/printer.js';
import type { CommandContext } from './context.js';

export type { Format };

export interface FlagSpec {
  /** commander syntax: "-f, --format <format>", "--insecure", "-T, --no-tty" */
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string | boolean;
  /** int: a whole number; list: repeatable, collected in order */
  parse?: 'int' | 'list';
  /** Accepted but left out of help, as upstream's kingpin `.Hidden()` flags. */
  hidden?: boolean;
}

export interface ArgSpec {
  /** commander syntax: "<target>", "[labels...]" */
  name: string;
  description: string;
}

export interface CommandDef<O = unknown> {
  /** The command's words: ["ls"], ["db", "ls"]. */
  path: readonly string[];
  description: string;
  /** Other words for the last path word (`request ls` is also `request list`). */
  aliases?: readonly string[];
  /** Runs but is left out of help, as upstream's hidden commands (`kube credentials`). */
  hidden?: boolean;
  args?: readonly ArgSpec[];
  flags?: readonly FlagSpec[];
  /** Everything after the first positional belongs to the command (ssh's remote command). */
  passThrough?: boolean;
  /** Parsed positionals (in args order) and flags (camelCase keys) -> the command's options. */
  options(args: unknown[], flags: Record<string, unknown>): O;
  run(o: O, ctx: CommandContext): Promise<number>;
}

/** A command of any options type (the registry does not care which). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandDef<any>;

/** A command module: its commands, and for a group (db, kube, …) the group's own description. */
export interface CommandModule {
  commands: readonly AnyCommand[];
  group?: { name: string; description: string; aliases?: readonly string[]; hidden?: boolean };
}

export function defineCommand<O>(def: CommandDef<O>): CommandDef<O> {
  return def;
}

/** -f/--format with tsh's text|json|yaml (plus extras such as "names" for ls). */
export function formatFlag(extra: readonly string[] = []): FlagSpec {
  return {
    flags: '-f, --format <format>',
    description: 'Output format',
    choices: [...FORMATS, ...extra],
    default: 'text',
  };
}

export const clusterFlag: FlagSpec = {
  flags: '-c, --cluster <name>',
  description: 'Teleport cluster (env: TELEPORT_CLUSTER)',
};

/** The flags every listing shares: positional labels come as an argument (listingArgs). */
export const listingFlags: readonly FlagSpec[] = [
  clusterFlag,
  { flags: '-v, --verbose', description: 'One-line output (for text format), including IDs' },
  {
    flags: '--search <keywords>',
    description: 'List of comma separated search keywords or phrases enclosed in quotations',
  },
  { flags: '--query <predicate>', description: 'Query by predicate language enclosed in single quotes' },
];

export const labelsArg: ArgSpec = {
  name: '[labels...]',
  description: 'labels to filter by, e.g. env=prod,team=a',
};

/** What every listing's arguments and flags give (positional labels, format, -v, --search, --query). */
export interface ListingOptions {
  labels?: string[];
  format: Format;
  verbose?: boolean;
  search?: string;
  query?: string;
}

export function listingOptions(args: unknown[], f: Record<string, unknown>): ListingOptions {
  return {
    labels: (args[0] as string[] | undefined) ?? [],
    format: f.format as Format,
    verbose: f.verbose === true,
    search: f.search as string | undefined,
    query: f.query as string | undefined,
  };
}
