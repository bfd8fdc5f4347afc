// The role and user messages tsh's access checker reads (AuthService GetCurrentUserRoles /
// GetCurrentUser): hex vectors built by hand from upstream's field numbers (api/proto/teleport/legacy/
// types/types.proto RoleV6 4/5, RoleSpecV6 Allow = 2, RoleConditions Namespaces = 2, DatabaseLabels = 11,
// DatabaseUsers = 13, UserSpecV2 Roles = 4, Traits = 5; wrappers.proto LabelValues Values = 1 (map),
// StringValues Values = 1; client/proto/authservice.proto GetCurrentUser(Empty) → UserV2,
// GetCurrentUserRoles(Empty) → stream RoleV6).
import { describe, expect, it } from 'vitest';
import { AuthServiceService } from '../../../src/gen/teleport/legacy/client/proto/authservice.js';
import { RoleV6, UserV2 } from '../../../src/gen/teleport/legacy/types/types.js';

const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/[\s|]+/g, ''), 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('roles and users on the wire', () => {
  // RoleV6{Kind "role", Metadata{Name "r"}, Spec{Allow{Namespaces ["default"],
  //   DatabaseLabels{env: ["dev"]}, DatabaseUsers ["alice"]}}}
  const role = h(`
    0a04 726f6c65 | 2203 0a0172 |
    2a22 1220
      1207 64656661756c74 |
      5a0e 0a0c 0a03 656e76 1205 0a03 646576 |
      6a05 616c696365`);

  it('RoleV6 decodes and encodes', () => {
    const r = RoleV6.decode(role);
    expect(r.Kind).toBe('role');
    expect(r.Metadata?.Name).toBe('r');
    expect(r.Spec?.Allow?.Namespaces).toEqual(['default']);
    expect(r.Spec?.Allow?.DatabaseLabels?.Values).toEqual({ env: { Values: ['dev'] } });
    expect(r.Spec?.Allow?.DatabaseUsers).toEqual(['alice']);
    expect(hex(RoleV6.encode(r).finish())).toBe(hex(role));
  });

  // UserV2{Metadata{Name "alice"}, Spec{Roles ["dbs"], Traits{logins: ["alice"]}}}
  const user = h(`
    2207 0a05 616c696365 |
    2a1a 2203 646273 |
      2a13 0a11 0a06 6c6f67696e73 1207 0a05 616c696365`);

  it('UserV2 decodes and encodes', () => {
    const u = UserV2.decode(user);
    expect(u.Metadata?.Name).toBe('alice');
    expect(u.Spec?.Roles).toEqual(['dbs']);
    expect(u.Spec?.Traits?.Values).toEqual({ logins: { Values: ['alice'] } });
    expect(hex(UserV2.encode(u).finish())).toBe(hex(user));
  });

  it('method paths and streaming', () => {
    expect(AuthServiceService.getCurrentUser.path).toBe('/proto.AuthService/GetCurrentUser');
    expect(AuthServiceService.getCurrentUser.responseStream).toBe(false);
    expect(AuthServiceService.getCurrentUserRoles.path).toBe('/proto.AuthService/GetCurrentUserRoles');
    expect(AuthServiceService.getCurrentUserRoles.responseStream).toBe(true);
  });
});
