// `tshjs-devcluster auth sign --format=db` (tctl auth sign --format=db): the files it writes, their
// modes and contents, what it prints, its errors, and a real PostgreSQL configured with the files
// accepting a client certificate from the database client CA.
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateAuthority, type Authority } from '../../src/devcluster/authority.js';
import { dbAuthSignMessage } from '../../src/devcluster/authsign.js';
import { issueServerCert } from '../../src/devcluster/tlsca.js';
import { DEVCLUSTER_BIN, runProcess } from '../helpers/cluster.js';
import { POSTGRES_BIN, startPostgres, type Postgres } from '../helpers/postgres.js';

let dir: string;
let dataDir: string;
let authority: Authority;

const devcluster = (args: string[]) => runProcess(process.execPath, [DEVCLUSTER_BIN, ...args]);
const mode = (f: string) => fs.statSync(f).mode & 0o777;
const read = (f: string) => fs.readFileSync(f, 'utf8');
/** notAfter - notBefore; both whole seconds. */
const lifetime = (c: X509Certificate) => new Date(c.validTo).getTime() - new Date(c.validFrom).getTime();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tshjs-authsign-'));
  dataDir = path.join(dir, 'data');
  // A data dir as `start --data-dir` leaves it; its database CAs are made by `auth sign` on first use.
  authority = await loadOrCreateAuthority(dataDir, 'sign.localhost', 'balanced-v1');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('auth sign --format=db', () => {
  const out = () => path.join(dir, 'server');
  let signedAt: number;

  beforeAll(async () => {
    signedAt = Date.now();
    const r = await devcluster([
      'auth',
      'sign',
      '--format=db',
      '--host=localhost,db.example.com,127.0.0.1',
      `--out=${out()}`,
      `--data-dir=${dataDir}`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(dbAuthSignMessage([`${out()}.key`, `${out()}.crt`, `${out()}.cas`], out()));
  });

  it('prints what tctl prints', () => {
    const text = dbAuthSignMessage(['s.key', 's.crt', 's.cas'], 's');
    expect(text.startsWith('\nDatabase credentials have been written to s.key, s.crt, s.cas.\n\n\n')).toBe(
      true,
    );
    expect(text).toContain("ssl_ca_file = '/path/to/s.cas'\n");
    expect(text.endsWith('ssl-ca=/path/to/s.cas\n')).toBe(true);
  });

  it('writes PREFIX.crt, PREFIX.key and PREFIX.cas, each 0600', () => {
    for (const ext of ['crt', 'key', 'cas']) expect(mode(`${out()}.${ext}`), ext).toBe(0o600);
  });

  it('signs an RSA 2048 server certificate with the database CA: CN = first host, every host a SAN', async () => {
    const { db } = await authority.databaseCAs();
    const cert = new X509Certificate(read(`${out()}.crt`));
    const ca = new X509Certificate(db.certPem);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.subject).toBe('CN=localhost');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkHost('db.example.com')).toBe('db.example.com');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:db.example.com, IP Address:127.0.0.1');
    // Extended Key Usage: serverAuth only (lib/auth/db.go).
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    // Default --ttl: 12h (apidefaults.CertDuration); valid from a minute back, as tlsca does.
    expect(Math.abs(lifetime(cert) - (12 * 3600_000 + 60_000))).toBeLessThanOrEqual(1000);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(signedAt + 12 * 3600_000 - 1000);

    const keyPem = read(`${out()}.key`);
    expect(keyPem.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.checkPrivateKey(key)).toBe(true);
  });

  it('puts the database client CA (not the database CA) into PREFIX.cas', async () => {
    const { db, dbClient } = await authority.databaseCAs();
    expect(read(`${out()}.cas`)).toBe(dbClient.certPem);
    expect(dbClient.certPem).not.toBe(db.certPem);
  });

  it('refuses to overwrite the files unless --overwrite, and honours --ttl', async () => {
    const args = ['auth', 'sign', '--format=db', '--host=pg', `--out=${out()}`, `--data-dir=${dataDir}`];
    const refused = await devcluster(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`${out()}.key, ${out()}.crt, ${out()}.cas exist; use --overwrite`);

    const again = await devcluster([...args, '--overwrite', '--ttl=1h']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const cert = new X509Certificate(read(`${out()}.crt`));
    expect(cert.subject).toBe('CN=pg');
    expect(Math.abs(lifetime(cert) - (3600_000 + 60_000))).toBeLessThanOrEqual(1000);
    expect(mode(`${out()}.key`)).toBe(0o600);
  });

  it('fails with one clear line: unknown format, no host, no CAs in the data dir', async () => {
    const base = ['auth', 'sign', `--out=${path.join(dir, 'x')}`];
    const cases: Array<[string[], string]> = [
      [
        [...base, '--format=tls', '--host=h', `--data-dir=${dataDir}`],
        'invalid --format flag "tls", only "db" is supported',
      ],
      [
        [...base, '--host=h', `--data-dir=${dataDir}`],
        'invalid --format flag "file", only "db" is supported',
      ],
      [[...base, '--format=db', `--data-dir=${dataDir}`], 'at least one hostname must be specified'],
      [[...base, '--format=db', '--host=h', `--data-dir=${path.join(dir, 'empty')}`], 'no cluster CAs in'],
      [[...base, '--format=db', '--host=h'], '--data-dir is required'],
    ];
    const results = await Promise.all(cases.map(([args]) => devcluster(args)));
    cases.forEach(([args, msg], i) => {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    });
    expect(fs.existsSync(path.join(dir, 'x.key'))).toBe(false);
  });
});

describe.skipIf(!POSTGRES_BIN)('PostgreSQL configured with the auth sign files', () => {
  let pg: Postgres;
  const prefix = () => path.join(dir, 'pg');

  beforeAll(async () => {
    const r = await devcluster([
      'auth',
      'sign',
      '--format=db',
      '--host=localhost,127.0.0.1',
      `--out=${prefix()}`,
      `--data-dir=${dataDir}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    pg = await startPostgres({
      serverCertPem: read(`${prefix()}.crt`),
      serverKeyPem: read(`${prefix()}.key`),
      clientCaPem: read(`${prefix()}.cas`),
      users: ['alice'],
    });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('accepts a client certificate signed by the database client CA (verify-full against the database CA)', async () => {
    const { db, dbClient } = await authority.databaseCAs();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPem = await issueServerCert({
      caCertPem: dbClient.certPem,
      caKey: dbClient.key,
      publicKey: createPublicKey(privateKey),
      commonName: 'alice',
      notAfter: new Date(Date.now() + 3600_000),
    });
    const files = {
      ca: path.join(dir, 'db-ca.crt'),
      cert: path.join(dir, 'alice.crt'),
      key: path.join(dir, 'alice.key'),
    };
    fs.writeFileSync(files.ca, db.certPem);
    fs.writeFileSync(files.cert, certPem);
    fs.writeFileSync(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const r = await runProcess('psql', [
      '-X',
      '-A',
      '-t',
      `host=127.0.0.1 port=${pg.port} user=alice dbname=postgres sslmode=verify-full ` +
        `sslrootcert=${files.ca} sslcert=${files.cert} sslkey=${files.key}`,
      '-c',
      'select current_user',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('alice');
  });
});
