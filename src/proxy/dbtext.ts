// What `tshjs proxy db` prints once its listener is up (tool/tsh/common/proxy.go dbProxyTpl,
// dbProxyAuthTpl, dbProxyConnectAd, formatCommand).
const CONNECT_AD =
  'Teleport Connect is a desktop app that can manage database proxies for you.\n' +
  'Learn more at https://goteleport.com/docs/connect-your-client/teleport-connect/#connecting-to-a-database\n';
const PORT_HINT = 'To avoid port randomization, you can choose the listening port using the --port flag.\n';

/** dbProxyTpl: the client authenticates itself with these files. */
export function dbProxyText(v: {
  address: string;
  randomPort: boolean;
  database: string;
  ca: string;
  cert: string;
  key: string;
  databaseUser: string;
  databaseName: string;
}): string {
  return (
    `Started DB proxy on ${v.address}\n` +
    (v.randomPort ? PORT_HINT : '') +
    `\n${CONNECT_AD}\n` +
    `Use the following credentials to connect to the ${v.database} proxy:\n` +
    `  ca_file=${v.ca}\n  cert_file=${v.cert}\n  key_file=${v.key}\n\n` +
    `Your database user is "${v.databaseUser}".` +
    (v.databaseName ? ` The target database name is "${v.databaseName}".` : '') +
    '\n\n'
  );
}

/** dbProxyAuthTpl: the tunnel authenticates; one command to connect through it. */
export function dbProxyAuthText(v: {
  type: string;
  database: string;
  cluster: string;
  address: string;
  randomPort: boolean;
  command: string;
}): string {
  return (
    `Started authenticated tunnel for the ${v.type} database "${v.database}" in cluster "${v.cluster}" on ${v.address}.\n` +
    (v.randomPort ? PORT_HINT : '') +
    `\n${CONNECT_AD}\n` +
    'Use the following command to connect to the database or to the address above using other database GUI/CLI clients:\n' +
    `  $ ${v.command}\n`
  );
}

/** proxy.go formatCommand: env first, quotes escaped, arguments with whitespace quoted. */
export function formatCommand(c: { bin: string; args: string[]; env: string[] }): string {
  const args = [c.bin, ...c.args].map((a) => {
    const escaped = a.replaceAll('"', '\\"');
    return /\s/u.test(escaped) ? `"${escaped}"` : escaped;
  });
  const joined = args.join(' ');
  return c.env.length ? `${c.env.join(' ')} ${joined}` : joined;
}
