// The viewer page, served from memory: plain HTML and one small script, no framework. The
// script draws the rectangles tshjs sends (protocol.ts) into a canvas and sends input back as
// JSON: KeyboardEvent.code (tshjs turns it into scancodes), pointer position in desktop pixels,
// buttons, wheel notches, the window size on resize, and clipboard text. It keeps the browser's
// clipboard in step with the desktop's, in the ways tshjs says are open, and shows the desktop's
// pointer shape as the canvas's cursor.

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
  #clip { position: absolute; right: 0; bottom: 0; max-width: 50%; height: 22px; line-height: 22px;
    padding: 0 8px; background: #303134; color: #bdc1c6; white-space: nowrap; overflow: hidden;
    text-overflow: ellipsis; }
</style>
</head>
<body data-token="${token}">
<div id="wrap"><canvas id="screen" width="1024" height="768" tabindex="0"></canvas></div>
<div id="status">connecting…</div>
<div id="clip"></div>
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
  // tshjs then sends the clipboard ways, any text the desktop copied before, and the pointer.
  ws.onopen = () => ws.send(JSON.stringify({ t: 'ready' }));
  let ended = false;
  const send = (m) => { if (ws.readyState === 1) ws.send(JSON.stringify(m)); };
  window.__tshjsViewer = { rects: 0, bytes: 0, ready: false, ended: false, width: 0, height: 0,
    pointers: 0, pointer: 'system', csp: [],
    clipboard: { sent: 0, received: 0, written: 0, pending: false, note: '' } };
  const stats = window.__tshjsViewer;
  // Anything the page's own CSP blocks (e.g. a cursor image) is a bug: counted for the tests.
  document.addEventListener('securitypolicyviolation', (e) => stats.csp.push(e.effectiveDirective));

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
      } else if (m.type === 'clipboard-policy') {
        clip.toRemote = m.toRemote;
        clip.fromRemote = m.fromRemote;
        clipNote(m.text);
        if (clip.toRemote) readLocal();
      } else if (m.type === 'clipboard') {
        fromDesktop(m.text);
      } else if (m.type === 'pointer') {
        setPointer(m);
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

  // --- the desktop's pointer as the canvas's cursor ---
  // Images come once per id (tshjs numbers each pointer image; a cached pointer reuses its id).
  const cursors = new Map();
  const setPointer = (m) => {
    let css = 'default';
    if (m.kind === 'hidden') css = 'none';
    else if (m.kind === 'custom') {
      if (typeof m.url === 'string' && m.url.startsWith('data:image/png;base64,')) {
        cursors.set(m.id, 'url("' + m.url + '") ' + m.hotX + ' ' + m.hotY + ', default');
      }
      css = cursors.get(m.id) || 'default';
    }
    canvas.style.cursor = css;
    stats.pointers++;
    stats.pointer = m.kind === 'custom' ? 'custom:' + m.id : m.kind;
  };

  // --- clipboard ---
  // tshjs says which ways are open (--clipboard and the desktop service) and enforces it again; the
  // page neither reads nor writes the browser's clipboard for a way that is closed.
  const clipEl = document.getElementById('clip');
  const clip = { toRemote: false, fromRemote: false };
  const clipNote = (text) => { clipEl.textContent = text; stats.clipboard.note = text; };
  let lastClip;      // the text last sent or received: never sent back (no echo)
  let pendingWrite;  // text from the desktop the browser has not taken yet
  let received = 0;
  const utf8 = new TextEncoder();
  const sendClip = (text) => {
    if (!clip.toRemote || typeof text !== 'string' || text === '' || text === lastClip) return;
    const m = JSON.stringify({ t: 'clipboard', text });
    if (utf8.encode(m).length > 65536) {
      clipNote('clipboard text not sent: over 64 KB');
      return;
    }
    if (ws.readyState !== 1) return;
    lastClip = text;
    ws.send(m);
    stats.clipboard.sent++;
    clipNote('clipboard sent to the desktop (' + text.length + ' characters)');
  };
  // Needs the page focused and the clipboard-read permission (Chromium may ask once); when the
  // browser refuses, a paste (Ctrl+V) still brings the text through the paste event below.
  let reading = false;
  const readLocal = async () => {
    if (!clip.toRemote || reading || !document.hasFocus()) return;
    if (!navigator.clipboard || !navigator.clipboard.readText) return;
    reading = true;
    const before = received;
    try {
      const text = await navigator.clipboard.readText();
      // Text the desktop copied meanwhile is newer than what was read: it wins.
      if (received === before) sendClip(text);
    } catch (e) {
      // refused or not focused any more: the paste event remains
    } finally {
      reading = false;
    }
  };
  // Browsers may refuse a write outside a user gesture: then it waits for the next click or key.
  const writeLocal = async () => {
    const text = pendingWrite;
    if (text === undefined) return;
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error('no clipboard API');
      await navigator.clipboard.writeText(text);
      if (pendingWrite === text) pendingWrite = undefined;
      stats.clipboard.written++;
      clipNote('clipboard from the desktop copied here (' + text.length + ' characters)');
    } catch (e) {
      stats.clipboard.error = String(e);
      clipNote('clipboard from the desktop waiting: the browser refused it, click the page to copy it');
    }
    stats.clipboard.pending = pendingWrite !== undefined;
  };
  const fromDesktop = (text) => {
    if (!clip.fromRemote || typeof text !== 'string') return;
    stats.clipboard.received = ++received;
    lastClip = text;
    pendingWrite = text;
    stats.clipboard.pending = true;
    writeLocal();
  };
  // A user gesture: a waiting write goes now, else the local clipboard may have changed.
  const gesture = () => (pendingWrite !== undefined ? writeLocal() : readLocal());
  window.addEventListener('focus', () => readLocal());
  if (navigator.clipboard && 'onclipboardchange' in navigator.clipboard) {
    navigator.clipboard.addEventListener('clipboardchange', () => readLocal());
  }
  // The paste event carries the clipboard without any permission.
  document.addEventListener('paste', (e) => {
    e.preventDefault();
    if (clip.toRemote && e.clipboardData) sendClip(e.clipboardData.getData('text/plain'));
    releaseHeld();
  });

  // --- input ---
  // A paste shortcut (Ctrl+V, Shift+Insert, Cmd+V) reaches the desktop after the text it pastes:
  // the keys wait for the browser's paste event, at most 200 ms.
  let held = null;
  let heldTimer;
  const releaseHeld = () => {
    clearTimeout(heldTimer);
    const h = held;
    held = null;
    if (h) for (const m of h) send(m);
  };
  const isPaste = (e) => (e.code === 'KeyV' && (e.ctrlKey || e.metaKey)) || (e.code === 'Insert' && e.shiftKey);
  const down = new Set();
  const key = (e, pressed) => {
    if (!e.code) return;
    const paste = pressed && clip.toRemote && isPaste(e);
    // The browser pastes (and fires 'paste') only when the key is not cancelled.
    if (!paste) e.preventDefault();
    if (pressed && !e.repeat) gesture();
    if (pressed) down.add(e.code); else down.delete(e.code);
    if (paste && !held) {
      held = [];
      heldTimer = setTimeout(releaseHeld, 200);
    }
    const m = { t: 'key', code: e.code, down: pressed };
    if (held) held.push(m); else send(m);
  };
  window.addEventListener('keydown', (e) => key(e, true));
  window.addEventListener('keyup', (e) => key(e, false));
  // Keys still held when the page loses focus would stay down on the desktop.
  window.addEventListener('blur', () => {
    releaseHeld();
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
    if (pressed) gesture();
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
