// The real RDP server for tests: the dev cluster's shadow desktop (FreeRDP shadow server on Xvfb),
// under the names the tests use.
export {
  SHADOW_DESKTOP_BINARIES as RDP_BINARIES,
  SHADOW_DESKTOP_PACKAGES as RDP_PACKAGES,
  shadowDesktopMissing as rdpMissing,
  startShadowDesktop as startRdpServer,
  type ShadowDesktop as RdpServer,
  type ShadowDesktopOptions as RdpServerOptions,
} from '../../src/devcluster/shadowdesktop.js';
