// Every generated message round-trips: encode(decode(encode(x))) is byte-identical, for an
// empty message and for one with every scalar field set to a non-default value.
import { describe, expect, it } from 'vitest';
import * as auth from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import * as events from '../../../src/gen/teleport/legacy/types/events/events.js';
import * as types from '../../../src/gen/teleport/legacy/types/types.js';
import * as transport from '../../../src/gen/teleport/transport/v1/transport_service.js';

interface Fns {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  fromPartial(o: unknown): unknown;
  create(o?: unknown): unknown;
}

function messages(mod: Record<string, unknown>): Array<[string, Fns]> {
  return Object.entries(mod).filter(
    (e): e is [string, Fns] =>
      !!e[1] && typeof (e[1] as Fns).encode === 'function' && typeof (e[1] as Fns).decode === 'function',
  );
}

/** Sets scalar fields of an empty message to non-default values. */
function filled(fns: Fns): unknown {
  const base = fns.create() as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) {
    if (typeof v === 'string') out[k] = `v-${k}`;
    else if (typeof v === 'boolean') out[k] = true;
    else if (typeof v === 'number') out[k] = 7;
    else if (typeof v === 'bigint') out[k] = 9n;
    else if (Array.isArray(v)) out[k] = [];
  }
  return fns.fromPartial(out);
}

const all = [...messages(auth), ...messages(types), ...messages(transport), ...messages(events)];

describe('generated messages', () => {
  it('there are messages to test', () => {
    expect(all.length).toBeGreaterThan(40);
  });

  it.each(all)('%s round-trips', (_name, fns) => {
    for (const m of [fns.create(), filled(fns)]) {
      const bytes = fns.encode(m).finish();
      const again = fns.encode(fns.decode(bytes)).finish();
      expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
      expect(fns.decode(bytes)).toEqual(m);
    }
  });
});
