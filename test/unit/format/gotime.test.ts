// time.Time's JSON form (MarshalJSON: RFC 3339, fraction without trailing zeros).
import { describe, expect, it } from 'vitest';
import { goFormatUTC, goTimeJSON } from '../../../src/format/gotime.js';

describe('goTimeJSON', () => {
  it('keeps the significant fraction digits only (1, 2 or 3 of them)', () => {
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 5)))).toBe('2025-01-02T03:04:05.005Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 100)))).toBe('2025-01-02T03:04:05.1Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 999)))).toBe('2025-01-02T03:04:05.999Z');
    expect(goTimeJSON(new Date(Date.UTC(12345, 0, 2, 3, 4, 5, 500)))).toBe('+012345-01-02T03:04:05.5Z');
  });
  it('goTimeJSON trims fractional zeros and renders zero time', () => {
    expect(goTimeJSON(undefined)).toBe('0001-01-01T00:00:00Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe('2025-01-02T03:04:05Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 120)))).toBe('2025-01-02T03:04:05.12Z');
    expect(goTimeJSON(new Date(-62135596800000))).toBe('0001-01-01T00:00:00Z');
  });
});

// Go's Time.Format with the reference layout (Mon Jan 2 15:04:05 MST 2006), as tsh's human formats use it.
describe('goFormatUTC', () => {
  const t = new Date(Date.UTC(2026, 2, 5, 7, 8, 9));
  it.each([
    ['Jan _2 15:04:05 UTC', 'Mar  5 07:08:09 UTC'], // constants.HumanDateFormatSeconds
    ['Jan _2 2006 15:04:05 UTC', 'Mar  5 2026 07:08:09 UTC'],
    ['Mon Jan _2 15:04 UTC', 'Thu Mar  5 07:08 UTC'], // api/utils HumanTimeFormat
    ['2006-01-02', '2026-03-05'],
  ])('%s', (layout, want) => {
    expect(goFormatUTC(t, layout)).toBe(want);
  });
  it('the zero time', () => {
    expect(goFormatUTC(new Date('0001-01-01T00:00:00Z'), 'Jan _2 2006 15:04:05 UTC')).toBe(
      'Jan  1 0001 00:00:00 UTC',
    );
  });
});
