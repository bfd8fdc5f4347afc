// The ExecCredential kubectl's exec plugin reads from `tshjs kube credentials`: what upstream's
// writeResponse prints (tool/tsh/common/kube.go, encoded by client-go's legacy codec for
// client.authentication.k8s.io/v1beta1): one JSON line, TypeMeta first, then spec, then status
// with the certificate's end minus one minute. docs/kube-client.md.

/** A saved certificate is reused while more than this remains (upstream: one minute). */
export const KUBE_CERT_MIN_REMAINING_MS = 60_000;

export function certUsable(c: { expires: Date }, now: Date): boolean {
  return c.expires.getTime() - now.getTime() > KUBE_CERT_MIN_REMAINING_MS;
}

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function execCredentialJson(c: { certPem: string; keyPem: string; expires: Date }, now: Date): string {
  const status: Record<string, string> = {};
  // Only when more than a minute remains (a fresh certificate always has).
  if (certUsable(c, now)) {
    status.expirationTimestamp = rfc3339(new Date(c.expires.getTime() - KUBE_CERT_MIN_REMAINING_MS));
  }
  status.clientCertificateData = c.certPem;
  status.clientKeyData = c.keyPem;
  const cred = {
    kind: 'ExecCredential',
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    spec: { interactive: false },
    status,
  };
  return `${JSON.stringify(cred)}\n`;
}
