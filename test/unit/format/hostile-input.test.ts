// Hostile input to the Go-format readers (src/format): every failure is a TshError, nothing
// overflows, loops forever or reads without bound. Cases found by `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { goDurationString, parseGoDuration } from '../../../src/format/duration.js';
import { goIndentJSON } from '../../../src/format/gojson.js';
import { goTimeJSON } from '../../../src/format/gotime.js';
import { TzifError, loadLocalZone, parseTzif } from '../../../src/format/tzif.js';
import { TshError } from '../../../src/util/errors.js';

describe('parseGoDuration (time.ParseDuration)', () => {
  it('reads the whole Go grammar: signs, "0", leading and trailing dots, both micro signs', () => {
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('-1h')).toBe(-3_600_000);
    expect(parseGoDuration('+1m')).toBe(60_000);
    expect(parseGoDuration('.5s')).toBe(500);
    expect(parseGoDuration('1.s')).toBe(1000);
    expect(parseGoDuration('1\u00b5s')).toBe(0.001);
    expect(parseGoDuration('1\u03bcs')).toBe(0.001);
    expect(parseGoDuration('2h45m30.5s')).toBe((2 * 3600 + 45 * 60 + 30.5) * 1000);
  });

  it('a value beyond int64 nanoseconds is an error, not Infinity', () => {
    expect(() => parseGoDuration(`${'9'.repeat(400)}h`)).toThrow(TshError);
    expect(() => parseGoDuration('2562048h')).toThrow(/invalid duration/); // > 2^63 ns
    expect(parseGoDuration('2562047h')).toBe(2562047 * 3_600_000);
  });

  it('rejects what Go rejects, with a typed error', () => {
    for (const bad of ['', '+', '-', '.', '.s', '1', '1x', 's', '1h 2m', '1e3s', '1h-2m']) {
      expect(() => parseGoDuration(bad), bad).toThrow(TshError);
    }
  });

  it('a long run of components is read in one pass', () => {
    expect(parseGoDuration('1m30s'.repeat(10_000))).toBe(90_000 * 10_000);
    expect(() => parseGoDuration(`${'1m30'.repeat(10_000)}x`)).toThrow(TshError);
  });

  it('goDurationString of a non-finite number is a typed error', () => {
    expect(() => goDurationString(Number.NaN)).toThrow(TshError);
    expect(() => goDurationString(Infinity)).toThrow(TshError);
  });
});

describe('goIndentJSON and goTimeJSON', () => {
  it('unbalanced or cut-off JSON text does not throw or print "undefined"', () => {
    expect(goIndentJSON('}', '', '  ')).toBe('\n}');
    expect(goIndentJSON('{"a":"\\', '', '  ')).toBe('{\n  "a": "\\');
  });

  it('an invalid Date is a TshError, not RangeError: Invalid time value', () => {
    expect(() => goTimeJSON(new Date(Number.NaN))).toThrow(TshError);
  });
});

describe('time zone files', () => {
  it('TzifError is a TshError', () => {
    expect(() => parseTzif(Buffer.from('TZif'))).toThrow(TshError);
    expect(new TzifError()).toBeInstanceOf(TshError);
  });

  it('$TZ naming an endless file (/dev/zero) is read only up to the size limit, then UTC', () => {
    expect(loadLocalZone('/dev/zero')).toEqual({ name: 'UTC' });
  });
});
