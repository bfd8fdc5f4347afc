// Fuzzing the Go-format readers in src/format: time.ParseDuration, TZif files and POSIX TZ
// strings (tzif.ts), json.Indent (gojson.ts), and the writers fed what a server may send
// (goyaml.ts, gotime.ts): typed errors only, bounded time, values that stay well-formed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe } from 'vitest';
import { formatGoDuration, goDurationString, parseGoDuration } from '../../src/format/duration.js';
import { goIndentJSON, goMarshalIndent, goString } from '../../src/format/gojson.js';
import { goFormatUTC, goRFC3339, goTimeJSON, goTimeString } from '../../src/format/gotime.js';
import { goYAML } from '../../src/format/goyaml.js';
import { loadLocalZone, lookupZone, parseTzif, tzset, type ZoneAt } from '../../src/format/tzif.js';
import { FuzzDefect, fuzz, hostileBytes, hostileString, parseOrTypedError } from './harness.js';

const DURATIONS = [
  '1h30m',
  '1.5h',
  '.5m',
  '-90s',
  '+2h45m10.5s',
  '300ms',
  '1µs',
  '1μs',
  '2us',
  '15ns',
  '0',
  '12h0m0s',
];
const DURATION_TOKENS = [
  'h',
  'm',
  's',
  'ms',
  'us',
  'µs',
  'ns',
  '.',
  '-',
  '+',
  '0',
  '9',
  '9223372036854775807',
  '1m30',
];

const int64 = fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n });

function checkZone(z: ZoneAt | undefined, input: unknown): void {
  if (z && (!Number.isFinite(z.offset) || typeof z.name !== 'string'))
    throw new FuzzDefect(`zone ${JSON.stringify(z)}`, input);
}

describe('durations (src/format/duration.ts)', () => {
  fuzz(
    'hostile duration strings',
    hostileString(DURATIONS, DURATION_TOKENS),
    (s) => {
      const ms = parseOrTypedError(s, () => parseGoDuration(s));
      if (ms !== undefined && !Number.isFinite(ms)) throw new FuzzDefect(`parsed to ${ms}`, s);
    },
    { weight: 2 },
  );
  fuzz('Duration.String() reads back', int64, (ns) => {
    const text = goDurationString(ns);
    const ms = parseGoDuration(text);
    if (Math.abs(ms - Number(ns) / 1e6) > Math.abs(Number(ns) / 1e6) * 1e-9 + 1e-6)
      throw new FuzzDefect(`${text} read as ${ms} ms`, ns.toString());
  });
  fuzz('formatting any number', fc.oneof(fc.double(), int64.map(Number)), (n) => {
    parseOrTypedError(n, () => goDurationString(n));
    formatGoDuration(n);
  });
});

// Real tzdata when the machine has it, plus small files in every TZif version.
const ZONEINFO = '/usr/share/zoneinfo';
const realZones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']
  .map((z) => path.join(ZONEINFO, z))
  .filter((f) => fs.existsSync(f))
  .map((f) => fs.readFileSync(f));
function tzif(version: number, footer: string): Buffer {
  const block = (size: number) => {
    const h = Buffer.alloc(44);
    h.write('TZif', 0, 'latin1');
    h[4] = version === 1 ? 0 : 0x30 + version;
    [0, 0, 0, 2, 2, 9].forEach((c, i) => h.writeUInt32BE(c, 20 + i * 4));
    const times = Buffer.alloc(2 * size);
    if (size === 8) {
      times.writeBigInt64BE(-100n, 0);
      times.writeBigInt64BE(1_700_000_000n, 8);
    } else {
      times.writeInt32BE(-100, 0);
      times.writeInt32BE(1_700_000_000, 4);
    }
    const zones = Buffer.from('00000e10000000001c20010400', 'hex').subarray(0, 12);
    return Buffer.concat([h, times, Buffer.from([0, 1]), zones, Buffer.from('CET\0CEST\0', 'latin1')]);
  };
  if (version === 1) return block(4);
  return Buffer.concat([block(4), block(8), Buffer.from(`\n${footer}\n`, 'latin1')]);
}
const TZIF_SEEDS = [
  ...realZones,
  tzif(1, ''),
  tzif(2, 'CET-1CEST,M3.5.0,M10.5.0/3'),
  tzif(3, '<+0545>-5:45'),
];
const TZ_STRINGS = [
  'CET-1CEST,M3.5.0,M10.5.0/3',
  'EST5EDT',
  '<+0545>-5:45',
  'AEST-10AEDT,M10.1.0,M4.1.0/3',
  'IST-2IDT,M3.4.4/26,M10.5.0',
  'WART4WARST,J1/0,J365/25',
  'XXX-167:59:59YYY,0/0,365/167',
];
const INSTANTS = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.constantFrom(
    0,
    -1,
    1_700_000_000,
    8.64e12,
    -8.64e12,
    9e15,
    Number.MAX_SAFE_INTEGER,
    Number.NaN,
    Infinity,
  ),
);

describe('time zones (src/format/tzif.ts)', () => {
  fuzz(
    'TZif files',
    fc.tuple(hostileBytes(TZIF_SEEDS, 128), INSTANTS),
    ([data, sec]) => {
      const loc = parseOrTypedError(data, () => parseTzif(data));
      if (loc)
        checkZone(
          parseOrTypedError(data, () => lookupZone(loc, sec)),
          data,
        );
    },
    { weight: 2 },
  );
  fuzz(
    'POSIX TZ strings',
    fc.tuple(hostileString(TZ_STRINGS, [',', 'M', 'J', '/', '.', ':', '<', '>', '-', '+', '167']), INSTANTS),
    ([tz, sec]) => {
      checkZone(
        parseOrTypedError(tz, () => tzset(tz, sec)),
        tz,
      );
    },
    { weight: 2 },
  );
  fuzz(
    '$TZ values',
    hostileString(
      [':Europe/Berlin', 'UTC', '', '/etc/localtime', 'Asia/Tokyo', '../../../../dev/null'],
      ['/', '..', ':', '\0'],
    ),
    (tz) => {
      // A fake file system: whatever $TZ names, the reader gets bytes it must survive.
      const zone = parseOrTypedError(tz, () =>
        loadLocalZone(tz, (p) => (p.includes('Tokyo') ? TZIF_SEEDS[0]! : Buffer.from(p))),
      );
      if (zone) checkZone(lookupZone(zone.loc, 0), tz);
    },
    { weight: 0.5 },
  );
});

describe('Go JSON and YAML text (src/format/gojson.ts, goyaml.ts)', () => {
  fuzz('json.Indent of valid JSON keeps the value', fc.json(), (json) => {
    const indented = goIndentJSON(json, '', '  ');
    if (JSON.stringify(JSON.parse(indented)) !== JSON.stringify(JSON.parse(json)))
      throw new FuzzDefect('value changed', json);
  });
  fuzz('json.Indent of any text', fc.string({ maxLength: 200, unit: 'binary' }), (s) => {
    const out = parseOrTypedError(s, () => goIndentJSON(s, '>', '\t'));
    if (out?.includes('undefined') && !s.includes('undefined'))
      throw new FuzzDefect('"undefined" in the output', s);
  });
  fuzz('strings, MarshalIndent and yaml.v2 of any JSON value', fc.jsonValue({ maxDepth: 6 }), (v) => {
    parseOrTypedError(v, () => {
      goMarshalIndent(v);
      goYAML(v);
      if (typeof v === 'string') goString(v);
    });
  });
});

describe('Go time text (src/format/gotime.ts)', () => {
  const dates = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) });
  fuzz(
    'any representable time',
    fc.tuple(dates, fc.constantFrom('UTC', 'Europe/Berlin', 'Australia/Lord_Howe', 'America/St_Johns')),
    ([d, tz]) => {
      parseOrTypedError(d, () => {
        goTimeJSON(d);
        goTimeString(d, { TZ: tz });
        goRFC3339(d, { TZ: tz });
        goFormatUTC(d, 'Mon Jan _2 15:04:05 2006');
      });
    },
  );
  fuzz(
    'an invalid Date is a typed error',
    fc.constant(new Date(Number.NaN)),
    (d) => void parseOrTypedError(d, () => goTimeJSON(d)),
    { weight: 0.02 },
  );
});
