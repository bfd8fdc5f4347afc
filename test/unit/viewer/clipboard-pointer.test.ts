// The viewer messages for the shared clipboard and the remote pointer (protocol.ts): the page's
// view of the --clipboard policy for each policy with and without the service sharing the
// clipboard, clipboard text from the page, and pointer shapes as PNG data: URLs sent once per image.
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/rdp/png.js';
import type { PointerImage } from '../../../src/rdp/pointer.js';
import { CLIPBOARD_POLICIES, allowsFromRemote, allowsToRemote } from '../../../src/tdp/policy.js';
import { clipboardPolicyMessage, parsePageInput, PointerEncoder } from '../../../src/viewer/protocol.js';

describe('clipboard messages', () => {
  it('tells the page which ways are open, and why one is closed', () => {
    const seen = CLIPBOARD_POLICIES.map((policy) =>
      // As DesktopSession computes them: the policy and the service's ServerHello flag.
      [true, false].map((shares) =>
        clipboardPolicyMessage({
          clipboardPolicy: policy,
          clipboardToRemote: allowsToRemote(policy) && shares,
          clipboardFromRemote: allowsFromRemote(policy) && shares,
        }),
      ),
    );
    expect(seen).toEqual([
      [
        { type: 'clipboard-policy', toRemote: true, fromRemote: true, text: 'clipboard shared both ways' },
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: false,
          text: 'clipboard off: the desktop service does not share it',
        },
      ],
      [
        {
          type: 'clipboard-policy',
          toRemote: true,
          fromRemote: false,
          text: 'clipboard: only to the desktop (--clipboard=to-remote)',
        },
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: false,
          text: 'clipboard off: the desktop service does not share it',
        },
      ],
      [
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: true,
          text: 'clipboard: only from the desktop (--clipboard=from-remote)',
        },
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: false,
          text: 'clipboard off: the desktop service does not share it',
        },
      ],
      // Off here: what the service would allow does not matter.
      [
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: false,
          text: 'clipboard off (--clipboard=off)',
        },
        {
          type: 'clipboard-policy',
          toRemote: false,
          fromRemote: false,
          text: 'clipboard off (--clipboard=off)',
        },
      ],
    ]);
  });

  it('takes clipboard text and the ready message from the page, nothing malformed', () => {
    expect(parsePageInput('{"t":"clipboard","text":"héllo\\r\\nwörld"}')).toEqual({
      t: 'clipboard',
      text: 'héllo\r\nwörld',
    });
    expect(parsePageInput('{"t":"ready"}')).toEqual({ t: 'ready' });
    for (const bad of [
      '{"t":"clipboard"}',
      '{"t":"clipboard","text":""}',
      '{"t":"clipboard","text":42}',
      '{"t":"clipboard","text":["a"]}',
    ]) {
      expect(parsePageInput(bad), bad).toBeUndefined();
    }
  });
});

describe('pointer messages', () => {
  /** A 2x3 pointer: opaque red, transparent, and grey pixels. */
  const image = (hotX = 1, hotY = 2): PointerImage => ({
    width: 2,
    height: 3,
    hotX,
    hotY,
    rgba: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 9, 9, 9, 255, 0, 0, 0, 0, 1, 2, 3, 255, 4, 5, 6, 128]),
  });

  it('system and hidden pointers, and an empty image as hidden', () => {
    const e = new PointerEncoder();
    expect(e.message({ kind: 'system' })).toEqual({ type: 'pointer', kind: 'system' });
    expect(e.message({ kind: 'hidden' })).toEqual({ type: 'pointer', kind: 'hidden' });
    const empty = { width: 0, height: 0, hotX: 0, hotY: 0, rgba: new Uint8Array(0) };
    expect(e.message({ kind: 'custom', image: empty })).toEqual({ type: 'pointer', kind: 'hidden' });
  });

  it('an image as a PNG data: URL with its hotspot, once; the same image again by id only', () => {
    const e = new PointerEncoder();
    const a = image();
    const first = e.message({ kind: 'custom', image: a });
    expect(first).toMatchObject({ type: 'pointer', kind: 'custom', id: 1, hotX: 1, hotY: 2 });
    const url = (first as { url: string }).url;
    expect(url).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const png = decodePng(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
    expect([png.width, png.height]).toEqual([2, 3]);
    expect([...png.data]).toEqual([...a.rgba]);

    // A cached pointer picked again is the same image object: no second PNG.
    expect(e.message({ kind: 'custom', image: a })).toEqual({
      type: 'pointer',
      kind: 'custom',
      id: 1,
      hotX: 1,
      hotY: 2,
    });
    // A new image (a cache slot filled anew) is a new id; a hotspot outside the image is clamped.
    const b = e.message({ kind: 'custom', image: image(7, 9) });
    expect(b).toMatchObject({ id: 2, hotX: 1, hotY: 2 });
    expect((b as { url?: string }).url).toBeDefined();
  });
});
