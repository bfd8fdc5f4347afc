import { describe, expect, it } from 'vitest';
import { AlertSeverity, MouseButtonType } from '../../../src/gen/teleport/desktop/v1/tdpb.js';
import { DesktopAlertError, DesktopProtocolError } from '../../../src/wire/tdp/errors.js';
import {
  DESKTOP_ALPN_OFFER,
  DesktopHandshake,
  dialectForAlpn,
  versionAtLeast,
  type HandshakeOptions,
} from '../../../src/tdp/negotiate.js';
import { encodeOutgoing } from '../../../src/tdp/outgoing.js';
import { tdpb } from '../../../src/wire/tdp/tdpb.js';

const hex = (b: Buffer): string => b.toString('hex');
const base = { username: 'alice', width: 1024, height: 768 };
const started = (o: HandshakeOptions) => {
  const hs = new DesktopHandshake(o);
  return { hs, first: hs.start() };
};

describe('dialect from the inner TLS ALPN result', () => {
  it('offers teleport-tdpb-1.0 only (1.1 needs in-band MFA, which tshjs does not speak)', () => {
    expect(DESKTOP_ALPN_OFFER).toEqual(['teleport-tdpb-1.0']);
  });

  it('maps "" (and Node\'s false/null) to legacy TDP and teleport-tdpb-1.0 to TDPB', () => {
    expect(dialectForAlpn('')).toBe('tdp');
    expect(dialectForAlpn(false)).toBe('tdp');
    expect(dialectForAlpn(null)).toBe('tdp');
    expect(dialectForAlpn(undefined)).toBe('tdp');
    expect(dialectForAlpn('teleport-tdpb-1.0')).toBe('tdpb');
  });

  it('refuses any other protocol', () => {
    expect(() => dialectForAlpn('teleport-tdpb-1.1')).toThrow(DesktopProtocolError);
    expect(() => dialectForAlpn('h2')).toThrow(/unsupported protocol "h2"/);
  });

  it('compares Teleport versions by major', () => {
    expect(versionAtLeast('18.0.0', 18)).toBe(true);
    expect(versionAtLeast('v18.2.1-dev', 18)).toBe(true);
    expect(versionAtLeast('17.5.3', 18)).toBe(false);
    expect(versionAtLeast(undefined, 18)).toBe(false);
    expect(versionAtLeast('garbage', 18)).toBe(false);
  });
});

describe('legacy TDP handshake', () => {
  it('sends Username, ScreenSpec, then a repeated ScreenSpec when the layout is default', () => {
    const { first } = started({ dialect: 'tdp', ...base, serverVersion: '18.1.0' });
    expect(first.map((o) => hex(encodeOutgoing(o)))).toEqual([
      '07' + '00000005' + '616c696365',
      '01' + '00000400' + '00000300',
      '01' + '00000400' + '00000300',
    ]);
  });

  it('sends ClientKeyboardLayout third when the service is >= 18 and the layout is set', () => {
    const { first } = started({ dialect: 'tdp', ...base, keyboardLayout: 0x407, serverVersion: '18.0.0' });
    expect(first.map((o) => o.message)).toEqual([
      { kind: 'clientUsername', username: 'alice' },
      { kind: 'clientScreenSpec', width: 1024, height: 768 },
      { kind: 'clientKeyboardLayout', keyboardLayout: 0x407 },
    ]);
  });

  it.each([['17.5.0'], [undefined]])('never sends type 37 to a service at version %s', (serverVersion) => {
    const { first } = started({ dialect: 'tdp', ...base, keyboardLayout: 0x407, serverVersion });
    expect(first.map((o) => ('kind' in o.message ? o.message.kind : ''))).toEqual([
      'clientUsername',
      'clientScreenSpec',
      'clientScreenSpec',
    ]);
  });

  it('waits for ConnectionActivated, then allows input; later activations are reactivations', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    expect(hs.state).toBe('awaiting-activation');
    expect(hs.canSendInput).toBe(false);
    expect(() => hs.input({ type: 'key', scancode: 0x1c, pressed: true })).toThrow(
      /before the desktop session/,
    );
    const ca = {
      kind: 'connectionActivated',
      ioChannelId: 1003,
      userChannelId: 1004,
      screenWidth: 1024,
      screenHeight: 768,
    } as const;
    expect(hs.receive(ca).events).toEqual([
      {
        type: 'activated',
        ioChannelId: 1003,
        userChannelId: 1004,
        width: 1024,
        height: 768,
        clipboardEnabled: true,
        reactivation: false,
      },
    ]);
    expect(hs.canSendInput).toBe(true);
    expect(hex(encodeOutgoing(hs.input({ type: 'key', scancode: 0x1c, pressed: true })))).toBe(
      '050000001c01',
    );
    expect(hs.receive(ca).events[0]).toMatchObject({ reactivation: true });
  });

  it('turns frames, clipboard and latency into events and passes other messages on', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    expect(hs.receive({ kind: 'rdpFastPathPdu', data: Buffer.from([0, 3, 0xaa]) }).events).toEqual([
      { type: 'fastPath', pdu: Buffer.from([0, 3, 0xaa]) },
    ]);
    const png = Buffer.from('png');
    expect(hs.receive({ kind: 'png2Frame', left: 1, top: 2, right: 3, bottom: 4, png }).events).toEqual([
      { type: 'png', left: 1, top: 2, right: 3, bottom: 4, png },
    ]);
    expect(hs.receive({ kind: 'latencyStats', clientLatency: 1, serverLatency: 2 }).events).toEqual([
      { type: 'latency', clientMs: 1, serverMs: 2 },
    ]);
    const req = { kind: 'sharedDirectoryInfoRequest', completionId: 1, directoryId: 2, path: 'x' } as const;
    expect(hs.receive(req).events).toEqual([{ type: 'other', message: req }]);
  });

  it('answers a Ping with the same Ping', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    const ping = { kind: 'ping', uuid: Buffer.alloc(16, 7) } as const;
    const step = hs.receive(ping);
    expect(step.send).toEqual([{ dialect: 'tdp', message: ping }]);
    expect(step.events).toEqual([]);
  });

  it('reports info and warning alerts and keeps going', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    expect(hs.receive({ kind: 'alert', message: 'hi', severity: 0 })).toEqual({
      send: [],
      events: [{ type: 'alert', level: 'info', message: 'hi' }],
    });
    expect(hs.receive({ kind: 'alert', message: 'hm', severity: 1 }).events[0]).toMatchObject({
      level: 'warning',
    });
    expect(hs.state).toBe('awaiting-activation');
  });

  it("ends the session on an error Alert with the service's text as a typed error", () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    const step = hs.receive({ kind: 'alert', message: 'access denied to "alice"', severity: 2 });
    expect(step.fatal).toBeInstanceOf(DesktopAlertError);
    expect(step.fatal).toMatchObject({ message: 'access denied to "alice"', kind: 'access-denied' });
    expect(hs.state).toBe('closed');
    expect(() => hs.receive({ kind: 'alert', message: 'x', severity: 0 })).toThrow(/already ended/);
  });

  it('ends the session on a legacy Error message', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    const step = hs.receive({ kind: 'error', message: 'RDP client exited\nwith code 1' });
    expect(step.fatal).toMatchObject({
      message: 'RDP client exited; with code 1',
      kind: 'connection-problem',
    });
  });

  it('refuses receive() before start() and a second start()', () => {
    const hs = new DesktopHandshake({ dialect: 'tdp', ...base });
    expect(() => hs.receive({ kind: 'tdpbUpgrade' })).toThrow(/not started/);
    hs.start();
    expect(() => hs.start()).toThrow(/already started/);
  });
});

describe('TDPB handshake', () => {
  it('sends one ClientHello with username, screen spec (and scale) and layout', () => {
    const { first } = started({ dialect: 'tdpb', ...base, scale: 150, keyboardLayout: 0x409 });
    expect(first).toEqual([
      {
        dialect: 'tdpb',
        message: tdpb('clientHello', {
          username: 'alice',
          screenSpec: { width: 1024, height: 768, scale: 150 },
          keyboardLayout: 0x409,
        }),
      },
    ]);
    // 1 client_hello {1 "alice", 2 {1 1024, 2 768, 3 150}, 3 0x409}
    expect(hex(encodeOutgoing(first[0]!))).toBe(
      '00000017' + '0a15' + '0a05616c696365' + '1209' + '088008' + '108006' + '189601' + '188908',
    );
  });

  it('waits for ServerHello, then allows input in TDPB form', () => {
    const { hs } = started({ dialect: 'tdpb', ...base });
    const hello = tdpb('serverHello', {
      activationSpec: { ioChannelId: 1003, userChannelId: 1004, screenWidth: 1024, screenHeight: 768 },
      clipboardEnabled: false,
      directoryRemoveSupported: false,
      sessions: [],
      hidpiSupported: false,
    });
    expect(hs.receive(hello).events).toEqual([
      {
        type: 'activated',
        ioChannelId: 1003,
        userChannelId: 1004,
        width: 1024,
        height: 768,
        clipboardEnabled: false,
        reactivation: false,
      },
    ]);
    expect(hs.input({ type: 'mouseButton', button: 'middle', pressed: true })).toEqual({
      dialect: 'tdpb',
      message: tdpb('mouseButton', { button: MouseButtonType.MOUSE_BUTTON_TYPE_MIDDLE, pressed: true }),
    });
  });

  it('maps TDPB alert severities (legacy + 1) and ends on ERROR', () => {
    const { hs } = started({ dialect: 'tdpb', ...base });
    const alert = (s: AlertSeverity) => tdpb('alert', { message: 'm', severity: s });
    expect(hs.receive(alert(AlertSeverity.ALERT_SEVERITY_UNSPECIFIED)).events[0]).toMatchObject({
      level: 'info',
    });
    expect(hs.receive(alert(AlertSeverity.ALERT_SEVERITY_INFO)).events[0]).toMatchObject({ level: 'info' });
    expect(hs.receive(alert(AlertSeverity.ALERT_SEVERITY_WARNING)).events[0]).toMatchObject({
      level: 'warning',
    });
    expect(hs.receive(alert(AlertSeverity.ALERT_SEVERITY_ERROR)).fatal).toBeInstanceOf(DesktopAlertError);
  });

  it('answers a TDPB Ping with itself', () => {
    const { hs } = started({ dialect: 'tdpb', ...base });
    const ping = tdpb('ping', { uuid: Buffer.alloc(16, 1) });
    expect(hs.receive(ping).send).toEqual([{ dialect: 'tdpb', message: ping }]);
  });

  it('turns FastPathPDU into a fastPath event', () => {
    const { hs } = started({ dialect: 'tdpb', ...base });
    expect(hs.receive(tdpb('fastPathPdu', { pdu: Buffer.from([1]) })).events).toEqual([
      { type: 'fastPath', pdu: Buffer.from([1]) },
    ]);
  });
});

describe('input builders in both dialects', () => {
  const active = (dialect: 'tdp' | 'tdpb') => {
    const { hs } = started({ dialect, ...base });
    hs.receive(
      dialect === 'tdp'
        ? { kind: 'connectionActivated', ioChannelId: 1, userChannelId: 2, screenWidth: 3, screenHeight: 4 }
        : tdpb('serverHello', {
            clipboardEnabled: true,
            directoryRemoveSupported: false,
            sessions: [],
            hidpiSupported: false,
          }),
    );
    return hs;
  };
  const cases = [
    [{ type: 'mouseMove', x: 10, y: 20 }, '03 0000000a 00000014', '00000006 3a 04 080a 1014'],
    [{ type: 'wheel', axis: 'horizontal', delta: 3 }, '08 01 0003', '00000006 62 04 0802 1003'],
    [
      { type: 'syncKeys', scrollLock: false, numLock: true, capsLock: false, kanaLock: true },
      '20 00 01 00 01',
      '00000006 32 04 1001 2001',
    ],
    [{ type: 'screenSpec', width: 800, height: 600 }, '01 00000320 00000258', '00000008 52 06 08a006 10d804'],
    [{ type: 'clipboard', data: Buffer.from('x') }, '06 00000001 78', '00000005 6a 03 0a0178'],
    [{ type: 'rdpResponse', pdu: Buffer.from([0xbe]) }, '1e 00000001 be', '00000005 2a 03 0a01be'],
  ] as const;
  it.each(cases)('%o', (input, tdpHex, tdpbHex) => {
    const strip = (s: string) => s.replace(/\s+/g, '');
    expect(hex(encodeOutgoing(active('tdp').input(input)))).toBe(strip(tdpHex));
    expect(hex(encodeOutgoing(active('tdpb').input(input)))).toBe(strip(tdpbHex));
  });

  it('allows a screen spec (resize) before activation', () => {
    const { hs } = started({ dialect: 'tdp', ...base });
    expect(hs.input({ type: 'screenSpec', width: 1, height: 2 }).message).toEqual({
      kind: 'clientScreenSpec',
      width: 1,
      height: 2,
    });
  });
});
