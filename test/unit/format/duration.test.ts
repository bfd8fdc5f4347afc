// Go time.Duration text in both directions (time.ParseDuration, Duration.String).
import { describe, expect, it } from 'vitest';
import { formatGoDuration, goDurationString, parseGoDuration } from '../../../src/format/duration.js';

describe('durations', () => {
  it('goDurationString matches time.Duration.String', () => {
    expect(goDurationString(0n)).toBe('0s');
    expect(goDurationString(60_000_000_000n)).toBe('1m0s');
    expect(goDurationString(3_600_000_000_000n)).toBe('1h0m0s');
    expect(goDurationString(1_500_000_000n)).toBe('1.5s');
    expect(goDurationString(1_500_000n)).toBe('1.5ms');
    expect(goDurationString(1_500n)).toBe('1.5µs');
    expect(goDurationString(15n)).toBe('15ns');
    expect(goDurationString(-90_000_000_000n)).toBe('-1m30s');
    expect(goDurationString(30 * 3_600_000_000_000 + 1_000_000)).toBe('30h0m0.001s');
  });

  it('parseGoDuration reads h/m/s/ms/us/ns runs and rejects the rest', () => {
    expect(parseGoDuration('5h30m40s')).toBe((5 * 3600 + 30 * 60 + 40) * 1000);
    expect(parseGoDuration('1.5h')).toBe(90 * 60_000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('250us')).toBe(0.25);
    expect(() => parseGoDuration('')).toThrow(/invalid duration/);
    expect(() => parseGoDuration('5 hours')).toThrow(/invalid duration "5 hours"/);
    expect(() => parseGoDuration('10')).toThrow(/invalid duration/);
  });

  it('formatGoDuration prints whole seconds as Duration.String()', () => {
    expect(formatGoDuration(12 * 3_600_000)).toBe('12h0m0s');
    expect(formatGoDuration(90_000)).toBe('1m30s');
    expect(formatGoDuration(45_999)).toBe('45s');
    expect(formatGoDuration(0)).toBe('0s');
  });
});
