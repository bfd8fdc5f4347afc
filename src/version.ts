// tshjs version and the Teleport version whose behaviour it follows.
export const VERSION = '0.1.0';
/** Teleport release line tshjs speaks to; sent as the client version. */
export const TELEPORT_COMPAT_VERSION = '18.2.0';
