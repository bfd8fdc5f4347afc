// time.Time's JSON form (MarshalJSON: RFC 3339, fraction without trailing zeros).
import { describe, expect, it } from 'vitest';
import { goTimeJSON } from '../../../src/format/gotime.js';

describe('goTimeJSON', () => {
  it('goTimeJSON trims fractional zeros and renders zero time', () => {
    expect(goTimeJSON(undefined)).toBe('0001-01-01T00:00:00Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe('2025-01-02T03:04:05Z');
    expect(goTimeJSON(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 120)))).toBe('2025-01-02T03:04:05.12Z');
    expect(goTimeJSON(new Date(-62135596800000))).toBe('0001-01-01T00:00:00Z');
  });
});
