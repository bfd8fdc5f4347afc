// Shared fuzzing helpers: the "typed error or value, within the time limit" property, run
// counts from the environment, byte/string mutators over valid encodings, and run accounting
// for scripts/fuzz.js. See docs/fuzzing.md.
import * as fs from 'node:fs';
import fc from 'fast-check';
import { it } from 'vitest';
import { RecordingError } from '../../src/recording/header.js';
import { TshError } from '../../src/util/errors.js';

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** Inputs per property (times its weight). Small by default so `npm test` stays fast. */
export const RUNS = envInt('FUZZ_RUNS', 60);
/**
 * Longest one parse may take. `npm run fuzz` sets 1 s; inside `npm test`, on a machine shared by
 * every other test file, only a real blow-up (a hang, exponential backtracking) may fail a test.
 */
export const TIME_LIMIT_MS = envInt('FUZZ_TIME_LIMIT_MS', 5000);

/**
 * The project's typed errors: what a parser may throw for bad input. TshError covers its
 * subclasses (DerError, ClientHelloError, PredicateError, SshWireError, ...); RecordingError is
 * the recording codec's own. A plain Error, TypeError, RangeError or stack overflow is a defect.
 */
const TYPED_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [TshError, RecordingError];

export function isTypedError(err: unknown): boolean {
  return TYPED_ERRORS.some((c) => err instanceof c);
}

export function describeInput(input: unknown): string {
  if (input instanceof Uint8Array) return `hex ${Buffer.from(input).toString('hex')}`;
  if (typeof input === 'string') return `string ${JSON.stringify(input)}`;
  return String(input);
}

/** Why a property failed: the input (hex for bytes) and what went wrong, for the report. */
export class FuzzDefect extends Error {
  constructor(what: string, input: unknown, cause?: unknown) {
    const thrown =
      cause instanceof Error
        ? `${cause.constructor.name}: ${cause.message.split('\n')[0]}`
        : cause === undefined
          ? ''
          : String(cause);
    super(`${what}${thrown ? ` (${thrown})` : ''} for ${describeInput(input).slice(0, 4000)}`, { cause });
    this.name = 'FuzzDefect';
  }
}

/** Runs a synchronous parse: its value, or undefined when it threw a typed error. */
export function parseOrTypedError<T>(input: unknown, parse: () => T): T | undefined {
  const start = performance.now();
  let value: T | undefined;
  try {
    value = parse();
  } catch (err) {
    if (err instanceof FuzzDefect) throw err;
    if (!isTypedError(err)) throw new FuzzDefect('untyped error', input, err);
  }
  const ms = performance.now() - start;
  if (ms > TIME_LIMIT_MS) throw new FuzzDefect(`took ${Math.round(ms)} ms`, input);
  return value;
}

/** The same for an async parse, which is abandoned (and fails) after the time limit. */
export async function parseOrTypedErrorAsync<T>(
  input: unknown,
  parse: () => Promise<T>,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FuzzDefect(`no result within ${TIME_LIMIT_MS} ms`, input)),
      TIME_LIMIT_MS,
    );
  });
  try {
    return await Promise.race([parse(), timeout]);
  } catch (err) {
    if (err instanceof FuzzDefect) throw err;
    if (!isTypedError(err)) throw new FuzzDefect('untyped error', input, err);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Running properties

function runParams(weight: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(RUNS * weight));
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  const path = process.env.FUZZ_PATH;
  return { numRuns, ...(seed !== undefined ? { seed } : {}), ...(path ? { path } : {}) };
}

/** Appends a property's run count to $FUZZ_STATS (one JSON line), for scripts/fuzz.js's summary. */
function record(name: string, runs: number): void {
  const file = process.env.FUZZ_STATS;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ name, runs })}\n`);
}

export interface FuzzOptions {
  /** Multiplier of RUNS for this property (slow parsers < 1, cheap ones > 1). */
  weight?: number;
  /** A defect in a file another owner fixes: skipped unless FUZZ_KNOWN=1 (see docs/fuzzing.md). */
  knownDefect?: string;
}

const runKnown = process.env.FUZZ_KNOWN === '1';

function testFn(opts: FuzzOptions) {
  return opts.knownDefect && !runKnown ? it.skip : it;
}

/** A vitest test checking `check` on `weight * RUNS` inputs from `arb`. */
export function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (v: T) => void,
  opts: FuzzOptions = {},
): void {
  testFn(opts)(name, () => {
    const params = runParams(opts.weight ?? 1);
    fc.assert(fc.property(arb, check), params as fc.Parameters<[T]>);
    record(name, params.numRuns!);
  });
}

export function fuzzAsync<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  check: (v: T) => Promise<void>,
  opts: FuzzOptions = {},
): void {
  testFn(opts)(name, async () => {
    const params = runParams(opts.weight ?? 1);
    await fc.assert(fc.asyncProperty(arb, check), params as fc.Parameters<[T]>);
    record(name, params.numRuns!);
  });
}

// ---------------------------------------------------------------------------------------------
// Mutators: start from valid encodings, then flip, set, insert, delete, duplicate and truncate.

const INTERESTING = [0x00, 0x01, 0x02, 0x04, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING32 = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
];

type ByteOp =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'set'; at: number; v: number }
  | { k: 'u32'; at: number; v: number }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'delete'; at: number; n: number }
  | { k: 'dup'; at: number; n: number }
  | { k: 'truncate'; at: number };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    k: fc.constant('set' as const),
    at: fc.nat(),
    v: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(255)),
  }),
  fc.record({ k: fc.constant('u32' as const), at: fc.nat(), v: fc.constantFrom(...INTERESTING32) }),
  fc.record({
    k: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ k: fc.constant('dup' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyByteOp(b: Buffer, op: ByteOp): Buffer {
  const at =
    b.length === 0 ? 0 : op.at % (op.k === 'insert' || op.k === 'truncate' ? b.length + 1 : b.length);
  switch (op.k) {
    case 'flip':
      if (b.length) b[at] ^= 1 << op.bit;
      return b;
    case 'set':
      if (b.length) b[at] = op.v;
      return b;
    case 'u32': {
      // Lengths are big-endian uint32 in SSH and proto-stream headers: aim at them.
      const out = Buffer.from(b);
      for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = (op.v >>> (24 - 8 * i)) & 0xff;
      return out;
    }
    case 'insert':
      return Buffer.concat([b.subarray(0, at), op.bytes, b.subarray(at)]);
    case 'delete':
      return Buffer.concat([b.subarray(0, at), b.subarray(at + op.n)]);
    case 'dup':
      return Buffer.concat([b.subarray(0, at + op.n), b.subarray(at, at + op.n), b.subarray(at + op.n)]);
    case 'truncate':
      return b.subarray(0, at);
  }
}

/** Valid encodings from `seeds`, each changed by one to `maxOps` byte mutations. */
export function mutatedBytes(seeds: readonly Uint8Array[], maxOps = 4): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteOp, { minLength: 1, maxLength: maxOps }))
    .map(([seed, ops]) => ops.reduce<Buffer>((b, op) => applyByteOp(b, op), Buffer.from(seed)));
}

/** Seeds unchanged, mutated, or arbitrary bytes: the mix every binary parser gets. */
export function hostileBytes(seeds: readonly Uint8Array[], maxLength = 512): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { arbitrary: mutatedBytes(seeds), weight: 6 },
    { arbitrary: fc.constantFrom(...seeds).map((s) => Buffer.from(s)), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength }).map((u) => Buffer.from(u)), weight: 2 },
  );
}

type StrOp =
  | { k: 'insert'; at: number; s: string }
  | { k: 'delete'; at: number; n: number }
  | { k: 'replace'; at: number; s: string }
  | { k: 'dup'; at: number; n: number; times: number }
  | { k: 'truncate'; at: number };

function strOp(tokens: fc.Arbitrary<string>): fc.Arbitrary<StrOp> {
  return fc.oneof(
    fc.record({ k: fc.constant('insert' as const), at: fc.nat(), s: tokens }),
    fc.record({ k: fc.constant('replace' as const), at: fc.nat(), s: tokens }),
    fc.record({ k: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
    fc.record({
      k: fc.constant('dup' as const),
      at: fc.nat(),
      n: fc.integer({ min: 1, max: 32 }),
      times: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  );
}

function applyStrOp(s: string, op: StrOp): string {
  const at = op.at % (s.length + 1);
  switch (op.k) {
    case 'insert':
      return s.slice(0, at) + op.s + s.slice(at);
    case 'replace':
      return s.slice(0, at) + op.s + s.slice(at + 1);
    case 'delete':
      return s.slice(0, at) + s.slice(at + op.n);
    case 'dup':
      return s.slice(0, at + op.n) + s.slice(at, at + op.n).repeat(op.times) + s.slice(at + op.n);
    case 'truncate':
      return s.slice(0, at);
  }
}

/** Valid texts from `seeds` mutated with characters and with the format's own tokens. */
export function mutatedString(
  seeds: readonly string[],
  dictionary: readonly string[] = [],
  maxOps = 4,
): fc.Arbitrary<string> {
  const tokens = dictionary.length
    ? fc.oneof(fc.constantFrom(...dictionary), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' }))
    : fc.string({ minLength: 1, maxLength: 4, unit: 'binary' });
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(strOp(tokens), { minLength: 1, maxLength: maxOps }))
    .map(([seed, ops]) => ops.reduce(applyStrOp, seed));
}

/** Seeds, mutated seeds, and arbitrary strings (including lone surrogates and controls). */
export function hostileString(
  seeds: readonly string[],
  dictionary: readonly string[] = [],
  maxLength = 300,
): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: mutatedString(seeds, dictionary), weight: 6 },
    { arbitrary: fc.constantFrom(...seeds), weight: 1 },
    { arbitrary: fc.string({ maxLength, unit: 'binary' }), weight: 1 },
    { arbitrary: fc.string({ maxLength, unit: 'grapheme-ascii' }), weight: 1 },
  );
}

/** A one-line PEM block around `der` (base64 wrapped at 64 columns). */
export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}
