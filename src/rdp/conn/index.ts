// The RDP client (connection layer): the dev cluster's Windows Desktop Service connects to RDP
// servers with it. Graphics decoding lives next door in src/rdp/.
export { connectRdp, RdpClient } from './client.js';
export type { RdpActivation, RdpClientOptions, RdpEvent, ServerCertificateCheck } from './client.js';
export { RdpConnectionError, RdpPduError, type RdpFailure } from './errors.js';
export { errorInfoText } from './errinfo.js';
export {
  keyEvent,
  mouseButton,
  mouseMove,
  mouseWheel,
  syncEvent,
  unicodeEvent,
  encodeFastPathInput,
  type InputEvent,
  type MouseButton,
} from './input.js';
export { pduLength, Framer, type Frame } from './framer.js';
