import { it } from 'vitest';
import { encodeProfile, decodeProfile } from '../../src/auth/profile.js';
it('x', () => {
const y = `web_proxy_addr: teleport.example.com:443
ssh_proxy_addr: teleport.example.com:3023
future_block:
  nested: [1, 2]
  s: "x y"
auth_type: local
forward_ports:
- 8080:localhost:80
relay_addr: relay.example.com:443
`;
  const p = decodeProfile(y, '/x');
  console.log(p);
  console.log(encodeProfile(p));
  for (const bad of ['web_proxy_addr: [unclosed', 'a: b\n  c: d', 'a: 1\na: 2', '"x', '{']) { try { decodeProfile(bad, '/h/p.yaml'); console.log('nothrow', bad);} catch (e) { console.log(JSON.stringify((e as Error).message)); } }
});
