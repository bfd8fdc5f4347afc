// The viewer page, served from memory: plain HTML and one small script, no framework. The
// script draws the rectangles tshjs sends (protocol.ts) into a canvas and sends input back as
// JSON: KeyboardEvent.code (tshjs turns it into scancodes), pointer position in desktop pixels,
// buttons, wheel notches, and the window size on resize.

/** The page; `token` is the page token (secret.ts), URL-safe base64. */
export function pageHtml(token: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
  html, body { margin: 0; height: 100%; background: #202124; color: #e8eaed; overflow: hidden;
    font: 13px system-ui, sans-serif; }
  #wrap { position: absolute; inset: 0 0 22px 0; display: flex; align-items: center; justify-content: center; }
  #screen { max-width: 100%; max-height: 100%; outline: none; cursor: default; background: #000; }
  #status { position: absolute; left: 0; right: 0; bottom: 0; height: 22px; line-height: 22px;
    padding: 0 8px; background: #303134; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #status.error { background: #8c1d18; }
</style>
</head>
<body data-token="${token}">
<div id="wrap"><canvas id="screen" width="1024" height="768" tabindex="0"></canvas></div>
<div id="status">connecting…</div>
<script src="/${token}/viewer.js"></script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page's script (kept to what every current browser runs, no build step). */
export const VIEWER_SCRIPT = `'use strict';
(() => {
  const token = document.body.dataset.token;
  const canvas = document.getElementById('screen');
  const ctx = canvas.getContext('2d', { alpha: false });
  const statusEl = document.getElementById('status');
  const setStatus = (text, error) => {
    statusEl.textContent = text;
    statusEl.className = error ? 'error' : '';
  };
  const ws = new WebSocket('ws://' + location.host + '/' + token + '/ws');
  ws.binaryType = 'arraybuffer';
  let ended = false;
  const send = (m) => { if (ws.readyState === 1) ws.send(JSON.stringify(m)); };
  window.__tshjsViewer = { rects: 0, bytes: 0, ready: false, ended: false, width: 0, height: 0 };
  const stats = window.__tshjsViewer;

  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      const m = JSON.parse(ev.data);
      if (m.type === 'size') {
        if (canvas.width !== m.width || canvas.height !== m.height) {
          canvas.width = m.width;
          canvas.height = m.height;
        }
        stats.width = m.width;
        stats.height = m.height;
        stats.ready = true;
      } else if (m.type === 'status') {
        setStatus(m.text, false);
      } else if (m.type === 'end') {
        ended = stats.ended = true;
        setStatus(m.text, m.error);
      }
      return;
    }
    // A rectangle: u8 kind (1), u8 pad, u16 x, y, width, height (big-endian), pad to 12, RGBA.
    const v = new DataView(ev.data);
    if (v.getUint8(0) !== 1) return;
    const x = v.getUint16(2), y = v.getUint16(4), w = v.getUint16(6), h = v.getUint16(8);
    const px = new Uint8ClampedArray(ev.data, 12, w * h * 4);
    ctx.putImageData(new ImageData(px, w, h), x, y);
    stats.rects++;
    stats.bytes += ev.data.byteLength;
  };
  ws.onclose = () => {
    if (!ended) setStatus('disconnected from tshjs', true);
    ended = stats.ended = true;
  };

  // --- input ---
  const down = new Set();
  const key = (e, pressed) => {
    if (!e.code) return;
    e.preventDefault();
    if (pressed) down.add(e.code); else down.delete(e.code);
    send({ t: 'key', code: e.code, down: pressed });
  };
  window.addEventListener('keydown', (e) => key(e, true));
  window.addEventListener('keyup', (e) => key(e, false));
  // Keys still held when the page loses focus would stay down on the desktop.
  window.addEventListener('blur', () => {
    for (const code of down) send({ t: 'key', code, down: false });
    down.clear();
  });

  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) * canvas.width) / r.width);
    const y = Math.floor(((e.clientY - r.top) * canvas.height) / r.height);
    return { x: Math.min(canvas.width - 1, Math.max(0, x)), y: Math.min(canvas.height - 1, Math.max(0, y)) };
  };
  canvas.addEventListener('mousemove', (e) => send({ t: 'move', ...point(e) }));
  const button = (e, pressed) => {
    e.preventDefault();
    canvas.focus();
    send({ t: 'move', ...point(e) });
    send({ t: 'button', button: e.button, down: pressed });
  };
  canvas.addEventListener('mousedown', (e) => button(e, true));
  canvas.addEventListener('mouseup', (e) => button(e, false));
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  // Wheel: pixels (lines and pages converted) add up to notches of 100 px, as Chromium scrolls.
  let wheelX = 0, wheelY = 0;
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? 800 : 1;
    wheelX += e.deltaX * unit;
    wheelY += e.deltaY * unit;
    const nx = Math.trunc(wheelX / 100), ny = Math.trunc(wheelY / 100);
    wheelX -= nx * 100;
    wheelY -= ny * 100;
    if (nx || ny) send({ t: 'wheel', x: nx, y: ny });
  }, { passive: false });

  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const r = document.getElementById('wrap').getBoundingClientRect();
      send({ t: 'resize', width: Math.round(r.width * devicePixelRatio), height: Math.round(r.height * devicePixelRatio) });
    }, 300);
  });
  canvas.focus();
})();
`;
