// Go's time.Local as tshjs reads it (src/format/tzif.ts): TZif files byte by byte, the instant's
// transition and abbreviation, the POSIX TZ footer past the last transition, and initLocal's
// choice of file. Expected values follow Go's src/time zoneinfo_read.go (LoadLocationFromTZData),
// zoneinfo.go (lookup, lookupFirstZone, tzset) and zoneinfo_unix.go (initLocal).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadLocalZone,
  lookupZone,
  parseTzif,
  tzset,
  TzifError,
  type TzLocation,
} from '../../../src/format/tzif.js';

const ZONEINFO = '/usr/share/zoneinfo';
const haveZone = (name: string) => fs.existsSync(path.join(ZONEINFO, name));
const sec = (iso: string) => Date.parse(iso) / 1000;

interface Spec {
  version: 0 | 2 | 3;
  zones: { offset: number; isDST: boolean; abbr: number }[];
  abbrev: string; // NUL-separated, as in the file
  tx: { when: number; index: number }[];
  footer?: string;
  /** For v2+: what the (skipped) 32-bit block holds; Go never looks at it beyond its size. */
  v1Junk?: boolean;
}

/** A TZif file as tzfile(5) lays it out (header, v1 block, then for v2+ a second header and block). */
function buildTzif(spec: Spec): Buffer {
  const block = (is64: boolean): Buffer => {
    const counts = [0, 0, 0, spec.tx.length, spec.zones.length, spec.abbrev.length];
    const header = Buffer.alloc(44);
    header.write('TZif', 0, 'latin1');
    header[4] = spec.version === 0 ? 0 : 0x30 + spec.version;
    counts.forEach((c, i) => header.writeUInt32BE(c, 20 + i * 4));
    const size = is64 ? 8 : 4;
    const times = Buffer.alloc(spec.tx.length * size);
    spec.tx.forEach((t, i) =>
      is64
        ? times.writeBigInt64BE(BigInt(t.when), i * 8)
        : times.writeInt32BE(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, t.when)), i * 4),
    );
    const idx = Buffer.from(spec.tx.map((t) => t.index));
    const zones = Buffer.alloc(spec.zones.length * 6);
    spec.zones.forEach((z, i) => {
      zones.writeInt32BE(z.offset, i * 6);
      zones[i * 6 + 4] = z.isDST ? 1 : 0;
      zones[i * 6 + 5] = z.abbr;
    });
    return Buffer.concat([header, times, idx, zones, Buffer.from(spec.abbrev, 'latin1')]);
  };
  if (spec.version === 0) return block(false);
  // The v1 block of a v2+ file must have the same counts Go reads first to compute the skip.
  const v1 = block(false);
  if (spec.v1Junk) v1.fill(0xee, 44);
  const footer = Buffer.from(`\n${spec.footer ?? ''}\n`, 'latin1');
  return Buffer.concat([v1, block(true), footer]);
}

// A two-zone file shaped like Europe/Berlin's modern rules.
const CET_CEST = {
  zones: [
    { offset: 3600, isDST: false, abbr: 0 }, // CET
    { offset: 7200, isDST: true, abbr: 4 }, // CEST
  ],
  abbrev: 'CET\0CEST\0',
};

describe('parseTzif (zoneinfo_read.go LoadLocationFromTZData)', () => {
  it('a version 1 file: 32-bit transitions, no footer', () => {
    const loc = parseTzif(
      buildTzif({
        version: 0,
        ...CET_CEST,
        tx: [
          { when: sec('2020-03-29T01:00:00Z'), index: 1 },
          { when: sec('2020-10-25T01:00:00Z'), index: 0 },
        ],
      }),
    );
    expect(loc).toEqual({
      zones: [
        { name: 'CET', offset: 3600, isDST: false },
        { name: 'CEST', offset: 7200, isDST: true },
      ],
      tx: [
        { when: 1585443600, index: 1 },
        { when: 1603587600, index: 0 },
      ],
      extend: '',
    });
  });

  it('versions 2 and 3: the 32-bit block is skipped, the 64-bit one and the footer read', () => {
    for (const version of [2, 3] as const) {
      const loc = parseTzif(
        buildTzif({
          version,
          ...CET_CEST,
          tx: [{ when: -(2 ** 40), index: 0 }], // outside int32: only the 64-bit block has it
          footer: 'CET-1CEST,M3.5.0,M10.5.0/3',
          v1Junk: true,
        }),
      );
      expect(loc.tx).toEqual([{ when: -(2 ** 40), index: 0 }]);
      expect(loc.extend).toBe('CET-1CEST,M3.5.0,M10.5.0/3');
    }
  });

  it('no transitions: one fake transition covering all time (Etc/GMT0-style files)', () => {
    const loc = parseTzif(
      buildTzif({ version: 2, zones: [{ offset: 0, isDST: false, abbr: 0 }], abbrev: 'GMT\0', tx: [] }),
    );
    expect(loc.tx).toEqual([{ when: -Infinity, index: 0 }]);
    expect(lookupZone(loc, 0)).toEqual({ name: 'GMT', offset: 0, isDST: false });
  });

  it('the footer counts only when framed by newlines; an abbreviation stops at NUL', () => {
    const file = buildTzif({ version: 2, ...CET_CEST, tx: [], footer: 'CET-1' });
    expect(parseTzif(file.subarray(0, file.length - 1)).extend).toBe(''); // no closing "\n"
    const loc = parseTzif(
      buildTzif({ version: 0, zones: [{ offset: 0, isDST: false, abbr: 2 }], abbrev: 'XXUTC\0', tx: [] }),
    );
    expect(loc.zones[0].name).toBe('UTC');
  });

  it.each([
    ['bad magic', Buffer.from('TZiX' + '\0'.repeat(40), 'latin1')],
    [
      'unknown version',
      (() => {
        const b = buildTzif({ version: 2, ...CET_CEST, tx: [] });
        b[4] = 0x34;
        return b;
      })(),
    ],
    ['truncated', buildTzif({ version: 2, ...CET_CEST, tx: [] }).subarray(0, 60)],
    ['no zones', buildTzif({ version: 0, zones: [], abbrev: '', tx: [] })],
    [
      'abbreviation index out of range',
      buildTzif({ version: 0, zones: [{ offset: 0, isDST: false, abbr: 9 }], abbrev: 'UTC\0', tx: [] }),
    ],
    ['zone index out of range', buildTzif({ version: 0, ...CET_CEST, tx: [{ when: 0, index: 2 }] })],
  ])('malformed: %s', (_name, data) => {
    expect(() => parseTzif(data)).toThrow(TzifError);
    expect(() => parseTzif(data)).toThrow('malformed time zone information');
  });
});

describe('lookupZone (zoneinfo.go lookup / lookupFirstZone)', () => {
  const loc: TzLocation = parseTzif(
    buildTzif({
      version: 2,
      zones: [
        { offset: 3208, isDST: false, abbr: 0 }, // LMT, used before the first transition only
        ...CET_CEST.zones.map((z) => ({ ...z, abbr: z.abbr + 4 })),
      ],
      abbrev: 'LMT\0CET\0CEST\0',
      tx: [
        { when: sec('1893-04-01T00:00:00Z'), index: 1 },
        { when: sec('1996-03-31T01:00:00Z'), index: 2 },
        { when: sec('1996-10-27T01:00:00Z'), index: 1 },
      ],
      footer: 'CET-1CEST,M3.5.0,M10.5.0/3',
    }),
  );

  it('before the first transition: zone 0 when no transition uses it', () => {
    expect(lookupZone(loc, sec('1800-01-01T00:00:00Z'))).toEqual({ name: 'LMT', offset: 3208, isDST: false });
  });

  it('between transitions: the last one at or before the instant', () => {
    expect(lookupZone(loc, sec('1996-03-31T00:59:59Z')).name).toBe('CET');
    expect(lookupZone(loc, sec('1996-03-31T01:00:00Z')).name).toBe('CEST');
    expect(lookupZone(loc, sec('1996-10-27T00:59:59Z')).name).toBe('CEST');
  });

  it('after the last transition: the footer rule (a "slim" file), at the exact change instants', () => {
    // Last Sunday of March 2026 is the 29th, of October the 25th; changes at 01:00 UTC.
    expect(lookupZone(loc, sec('2026-03-29T00:59:59Z'))).toEqual({ name: 'CET', offset: 3600, isDST: false });
    expect(lookupZone(loc, sec('2026-03-29T01:00:00Z'))).toEqual({ name: 'CEST', offset: 7200, isDST: true });
    expect(lookupZone(loc, sec('2026-10-25T00:59:59Z')).name).toBe('CEST');
    expect(lookupZone(loc, sec('2026-10-25T01:00:00Z')).name).toBe('CET');
  });

  it('case 2: first transition into DST: the closest standard zone before it', () => {
    const l = parseTzif(
      buildTzif({
        version: 0,
        zones: [
          { offset: 0, isDST: false, abbr: 0 },
          { offset: 3600, isDST: true, abbr: 4 },
        ],
        abbrev: 'AAA\0BBB\0',
        tx: [
          { when: 100, index: 1 },
          { when: 200, index: 0 },
        ],
      }),
    );
    expect(lookupZone(l, 50).name).toBe('AAA');
  });

  it('no location (UTC fallback): "UTC", offset 0', () => {
    expect(lookupZone(undefined, 0)).toEqual({ name: 'UTC', offset: 0, isDST: false });
  });
});

describe('tzset (POSIX TZ footer strings)', () => {
  it.each([
    ['IST-5:30', '2026-01-02T00:00:00Z', { name: 'IST', offset: 19800, isDST: false }],
    ['JST-9', '2026-07-01T00:00:00Z', { name: 'JST', offset: 32400, isDST: false }],
    ['<+0330>-3:30', '2026-01-01T00:00:00Z', { name: '+0330', offset: 12600, isDST: false }],
    ['EST5EDT,M3.2.0,M11.1.0', '2026-03-08T06:59:59Z', { name: 'EST', offset: -18000, isDST: false }],
    ['EST5EDT,M3.2.0,M11.1.0', '2026-03-08T07:00:00Z', { name: 'EDT', offset: -14400, isDST: true }],
    ['EST5EDT', '2026-07-01T00:00:00Z', { name: 'EDT', offset: -14400, isDST: true }], // default rules
    // Southern hemisphere: DST spans the new year; Go swaps the labels.
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', '2026-01-02T15:04:05Z', { name: 'AEDT', offset: 39600, isDST: true }],
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', '2026-07-01T00:00:00Z', { name: 'AEST', offset: 36000, isDST: false }],
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', '2026-04-04T15:59:59Z', { name: 'AEDT', offset: 39600, isDST: true }],
    ['AEST-10AEDT,M10.1.0,M4.1.0/3', '2026-04-04T16:00:00Z', { name: 'AEST', offset: 36000, isDST: false }],
    ['XXX3YYY,J60,J300', '2024-03-02T03:00:00Z', { name: 'YYY', offset: -7200, isDST: true }], // J60 = Mar 1 even in leap years
    ['XXX3YYY,59,300', '2024-02-29T05:00:00Z', { name: 'YYY', offset: -7200, isDST: true }], // day 59 counts Feb 29
  ])('%s at %s', (tz, at, want) => {
    expect(tzset(tz, sec(at))).toEqual(want);
  });

  it.each([
    '',
    'AB',
    'CET',
    'CET-1CEST,M3.5.0',
    'CET-1CEST,M13.5.0,M10.5.0',
    'CET-1CEST;M3.5.0,M10.5.0/3x',
    '<CET-1',
  ])('does not parse: %j', (tz) => {
    expect(tzset(tz, 0)).toBeUndefined();
  });
});

describe('real tzdata files (/usr/share/zoneinfo)', () => {
  const cases: [string, string, string, number][] = [
    ['Europe/Berlin', '2026-01-02T15:04:05Z', 'CET', 3600],
    ['Europe/Berlin', '2026-07-01T12:00:00Z', 'CEST', 7200],
    ['Europe/Berlin', '2045-07-01T12:00:00Z', 'CEST', 7200], // past 2037: the footer
    ['Asia/Kolkata', '2026-01-02T15:04:05Z', 'IST', 19800],
    ['Asia/Tokyo', '2026-01-02T15:04:05Z', 'JST', 32400],
    ['Australia/Sydney', '2026-01-02T15:04:05Z', 'AEDT', 39600],
    ['Australia/Sydney', '2026-07-01T12:00:00Z', 'AEST', 36000],
    ['UTC', '2026-01-02T15:04:05Z', 'UTC', 0],
  ];
  it.each(cases)('%s at %s: %s', (zone, at, name, offset) => {
    if (!haveZone(zone)) return; // no tzdata installed: Go would print UTC too
    const data = fs.readFileSync(path.join(ZONEINFO, zone));
    expect(data.subarray(0, 4).toString('latin1')).toBe('TZif');
    const loc = parseTzif(data);
    expect(lookupZone(loc, sec(at))).toMatchObject({ name, offset });
  });

  it('footers of the installed files', () => {
    const footers: Record<string, string> = {
      'Europe/Berlin': 'CET-1CEST,M3.5.0,M10.5.0/3',
      'Asia/Kolkata': 'IST-5:30',
      'Asia/Tokyo': 'JST-9',
      'Australia/Sydney': 'AEST-10AEDT,M10.1.0,M4.1.0/3',
      UTC: 'UTC0',
    };
    for (const [zone, footer] of Object.entries(footers)) {
      if (!haveZone(zone)) continue;
      expect(parseTzif(fs.readFileSync(path.join(ZONEINFO, zone))).extend, zone).toBe(footer);
    }
  });
});

describe('loadLocalZone (zoneinfo_unix.go initLocal)', () => {
  const berlin = buildTzif({ version: 2, ...CET_CEST, tx: [], footer: 'CET-1CEST,M3.5.0,M10.5.0/3' });
  const files: Record<string, Buffer> = {
    '/etc/localtime': berlin,
    '/usr/share/zoneinfo//Asia/Tokyo': buildTzif({
      version: 2,
      zones: [{ offset: 32400, isDST: false, abbr: 0 }],
      abbrev: 'JST\0',
      tx: [],
      footer: 'JST-9',
    }),
    '/usr/share/zoneinfo//Broken': Buffer.from('not a tzif file'),
    '/tmp/zone': berlin,
  };
  const read = (p: string): Uint8Array => {
    const f = files[p];
    if (!f) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return f;
  };

  it.each([
    ['unset: /etc/localtime, named Local', undefined, 'Local', 'CET'],
    ['"": UTC', '', 'UTC', undefined],
    ['"UTC": UTC without reading a file', 'UTC', 'UTC', undefined],
    ['a zone name, from the zone directories', 'Asia/Tokyo', 'Asia/Tokyo', 'JST'],
    ['a leading colon is dropped', ':Asia/Tokyo', 'Asia/Tokyo', 'JST'],
    ['an absolute path is read as it is', '/tmp/zone', '/tmp/zone', 'CET'],
    ['an unknown zone: UTC', 'Mars/Olympus', 'UTC', undefined],
    ['a POSIX TZ string is not a file: UTC', 'CET-1CEST', 'UTC', undefined],
    ['a malformed file: UTC', 'Broken', 'UTC', undefined],
  ])('%s', (_name, tz, name, abbrev) => {
    const z = loadLocalZone(tz, read);
    expect(z.name).toBe(name);
    expect(z.loc ? lookupZone(z.loc, sec('2026-01-02T15:04:05Z')).name : undefined).toBe(abbrev);
  });

  it('reads the real files when present', () => {
    if (!haveZone('Asia/Kolkata')) return;
    const z = loadLocalZone('Asia/Kolkata');
    expect(lookupZone(z.loc, sec('2026-01-02T15:04:05Z')).name).toBe('IST');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-tz-'));
    fs.copyFileSync(path.join(ZONEINFO, 'Asia/Kolkata'), path.join(dir, 'zone'));
    expect(lookupZone(loadLocalZone(path.join(dir, 'zone')).loc, 0).name).toBe('IST');
  });
});
