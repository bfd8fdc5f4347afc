// known_hosts lines (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), as tsh writes them for cluster host CAs.
import { blobType, marshalAuthorizedKey } from './keys.js';
import { SshFormatError, sshFormatErrors } from './wire.js';

export interface KnownHostsEntry {
  marker?: '@cert-authority' | '@revoked';
  hosts: string[];
  type: string;
  blob: Buffer;
  comment: string;
}

export function marshalKnownHostCA(
  proxyHost: string | undefined,
  clusterName: string,
  caPublicBlob: Buffer,
): string {
  const hosts = [...(proxyHost ? [proxyHost] : []), clusterName, `*.${clusterName}`].join(',');
  return `@cert-authority ${hosts} ${marshalAuthorizedKey(caPublicBlob).trimEnd()} type=host\n`;
}

/** Parses one line; returns null for blank and comment lines, throws on malformed ones. */
export function parseKnownHostsLine(line: string): KnownHostsEntry | null {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  const fields = trimmed.split(/\s+/);
  let marker: KnownHostsEntry['marker'];
  if (fields[0]!.startsWith('@')) {
    const m = fields.shift()!;
    if (m !== '@cert-authority' && m !== '@revoked')
      throw new SshFormatError(`known_hosts: unknown marker "${m}"`);
    marker = m;
  }
  if (fields.length < 3) throw new SshFormatError('known_hosts: expected "<hosts> <type> <base64>"');
  const [hostField, type, b64] = fields as [string, string, string];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new SshFormatError('known_hosts: key data is not base64');
  const blob = Buffer.from(b64, 'base64');
  const inner = sshFormatErrors('known_hosts', () => blobType(blob));
  if (inner !== type)
    throw new SshFormatError(`known_hosts: type "${type}" does not match encoded type "${inner}"`);
  return {
    ...(marker ? { marker } : {}),
    hosts: hostField.split(',').filter((h) => h !== ''),
    type,
    blob,
    comment: fields.slice(3).join(' '),
  };
}

/** All @cert-authority entries; malformed lines are skipped, as ssh(1) does. */
export function knownHostCAEntries(text: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    try {
      const e = parseKnownHostsLine(line);
      if (e?.marker === '@cert-authority') out.push(e);
    } catch {
      // ignore malformed lines
    }
  }
  return out;
}
