// The client/server version compatibility warning tsh prints after ping (non-fatal).

function parse(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function less(a: [number, number, number], b: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

export function versionWarning(minClient: string, server: string, client: string): string | undefined {
  const c = parse(client);
  const min = parse(minClient);
  const s = parse(server);
  if (!c) return undefined;
  if (min && less(c, min)) {
    return (
      '\nWARNING\nDetected potentially incompatible client and server versions.\n' +
      `Minimum client version supported by the server is ${minClient} but you are using ${client}.\n` +
      `Please upgrade tsh to ${minClient} or newer or use the --skip-version-check flag to bypass this check.\n` +
      'Future versions of tsh will fail when incompatible versions are detected.\n\n'
    );
  }
  if (s && c[0] > s[0]) {
    const max = `${s[0]}.x.x`;
    return (
      '\nWARNING\nDetected potentially incompatible client and server versions.\n' +
      `Maximum client version supported by the server is ${max} but you are using ${client}.\n` +
      `Please downgrade tsh to ${max} or use the --skip-version-check flag to bypass this check.\n` +
      'Future versions of tsh will fail when incompatible versions are detected.\n\n'
    );
  }
  return undefined;
}
