// What the Windows Desktop Service tells a client, worded as upstream's service words it
// (lib/srv/desktop/windows_server.go, rdpclient/client.go, lib/services/role.go checkAccess;
// docs/desktop-protocol.md lists where each comes from). Clients match on these texts.

/** The SNI suffix the service strips to find the desktop (SNISuffix upstream). */
export const DESKTOP_SNI_SUFFIX = '.desktop.teleport.cluster.local';

/** The only restricted certificate usage the service accepts (teleport.UsageWindowsDesktopOnly). */
export const USAGE_WINDOWS_DESKTOP = 'usage:windows_desktop';

export const MSG_AUTHENTICATION_FAILED = 'Connection authentication failed.';
export const MSG_AUTHORIZATION_FAILED = 'Connection authorization failed.';
export const msgDesktopNotFound = (name: string) => `Could not find desktop ${name}.`;
/** RoleSet.checkAccess for a windows_desktop, with its "Confirm Windows user." hint. */
export const MSG_ACCESS_DENIED =
  'access to windows_desktop denied. User does not have permissions. Confirm Windows user.';
/** lib/services ErrSessionMFARequired: per-session MFA applies and the certificate lacks it. */
export const MSG_MFA_REQUIRED = 'access to resource requires MFA';
/** types.MaxRDPScreenWidth / MaxRDPScreenHeight. */
export const MAX_RDP_SCREEN = 8192;
export const msgScreenTooLarge = (w: number, h: number) =>
  `screen size of ${w} x ${h} is greater than the maximum allowed by RDP (${MAX_RDP_SCREEN} x ${MAX_RDP_SCREEN})`;
/** The RDP side failed (connect, TLS, protocol, dropped connection). */
export const msgRdpError = (why: string) => `RDP client exited with an error: ${why}`;
/** The RDP server ended the session. */
export const msgRdpExited = (why?: string) =>
  why ? `RDP client exited gracefully with message: ${why}` : 'RDP client exited gracefully';

// Audit event types and codes (lib/events/api.go, codes.go).
export const EVENT_SESSION_START = 'windows.desktop.session.start';
export const EVENT_SESSION_END = 'windows.desktop.session.end';
export const EVENT_RECORDING = 'desktop.recording';
export const CODE_SESSION_START = 'TDP00I';
export const CODE_SESSION_START_FAILURE = 'TDP00W';
export const CODE_SESSION_END = 'TDP01I';
export const EVENT_CLIPBOARD_SEND = 'desktop.clipboard.send';
export const EVENT_CLIPBOARD_RECEIVE = 'desktop.clipboard.receive';
export const CODE_CLIPBOARD_SEND = 'TDP02I';
export const CODE_CLIPBOARD_RECEIVE = 'TDP03I';
