// Byte-level checks of the teleport.lib.teleterm.v1 messages Connect sends and reads most, against
// upstream's field numbers (docs/upstream-facts-teleterm.md): hand-assembled protobuf bytes decode
// to the fields, and the generated encoders write exactly those bytes.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/gen/teleport/lib/teleterm/v1/cluster.js';
import { Gateway } from '../../../src/gen/teleport/lib/teleterm/v1/gateway.js';
import {
  ConnectToDesktopRequest,
  CreateGatewayRequest,
  LoginRequest,
  LogoutRequest,
} from '../../../src/gen/teleport/lib/teleterm/v1/service.js';

/** A length-delimited field (wire type 2) with a one-byte length. */
function ld(field: number, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
}
/** A varint field (wire type 0) with a one-byte value. */
const vi = (field: number, v: number) => Buffer.from([field << 3, v]);

function roundTrip<T>(
  m: { encode(x: T): { finish(): Uint8Array }; decode(b: Uint8Array): T },
  value: T,
  bytes: Buffer,
) {
  expect(Buffer.from(m.encode(value).finish()).toString('hex')).toBe(bytes.toString('hex'));
  expect(m.decode(bytes)).toEqual(value);
}

describe('teleterm wire format', () => {
  it('ConnectToDesktopRequest: data=1, target_desktop=2 {desktop_uri=1, login=2}', () => {
    const uri = '/clusters/p/windows_desktops/w1';
    roundTrip(
      ConnectToDesktopRequest,
      { data: Buffer.alloc(0), targetDesktop: { desktopUri: uri, login: 'alice' } },
      ld(2, Buffer.concat([ld(1, uri), ld(2, 'alice')])),
    );
    roundTrip(
      ConnectToDesktopRequest,
      { data: Buffer.from([1, 2]), targetDesktop: undefined },
      ld(1, Buffer.from([1, 2])),
    );
  });

  it('LoginRequest: cluster_uri=1, local=2 {user=1, password=2, token=3}, sso=3 {provider_type=1, provider_name=2}', () => {
    roundTrip(
      LoginRequest,
      {
        clusterUri: '/clusters/p',
        params: { $case: 'local', value: { user: 'u', password: 'pw', token: '123' } },
      },
      Buffer.concat([ld(1, '/clusters/p'), ld(2, Buffer.concat([ld(1, 'u'), ld(2, 'pw'), ld(3, '123')]))]),
    );
    roundTrip(
      LoginRequest,
      {
        clusterUri: '/clusters/p',
        params: { $case: 'sso', value: { providerType: 'oidc', providerName: 'okta' } },
      },
      Buffer.concat([ld(1, '/clusters/p'), ld(3, Buffer.concat([ld(1, 'oidc'), ld(2, 'okta')]))]),
    );
  });

  it('LogoutRequest: cluster_uri=1, remove_profile=2', () => {
    roundTrip(
      LogoutRequest,
      { clusterUri: '/clusters/p', removeProfile: true },
      Buffer.concat([ld(1, '/clusters/p'), vi(2, 1)]),
    );
  });

  it('CreateGatewayRequest: target_uri=1, target_user=2, local_port=3, target_subresource_name=4', () => {
    roundTrip(
      CreateGatewayRequest,
      {
        targetUri: '/clusters/p/dbs/pg',
        targetUser: 'alice',
        localPort: '5432',
        targetSubresourceName: 'app',
      },
      Buffer.concat([ld(1, '/clusters/p/dbs/pg'), ld(2, 'alice'), ld(3, '5432'), ld(4, 'app')]),
    );
  });

  it('Gateway: local_port=6, target_subresource_name=9 (8 reserved)', () => {
    const g = Gateway.decode(Buffer.concat([ld(1, '/gateways/x'), ld(6, '5432'), ld(9, 'app')]));
    expect(g).toMatchObject({ uri: '/gateways/x', localPort: '5432', targetSubresourceName: 'app' });
  });

  it('Cluster: connected=4, leaf=5, logged_in_user=7 {name=1}', () => {
    const c = Cluster.decode(
      Buffer.concat([ld(1, '/clusters/p'), vi(4, 1), vi(5, 0), ld(7, ld(1, 'alice'))]),
    );
    expect(c).toMatchObject({
      uri: '/clusters/p',
      connected: true,
      leaf: false,
      loggedInUser: { name: 'alice' },
    });
  });
});
