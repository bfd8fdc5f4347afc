// Loads the FreeRDP reference vectors of test/vectors/rdp (made by scripts/gen-rdp-vectors.sh).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../vectors/rdp');

export interface RfxCase {
  name: string;
  kind: 'rfx';
  mode: 'rlgr1' | 'rlgr3';
  width: number;
  height: number;
  left: number;
  top: number;
  screenWidth: number;
  screenHeight: number;
  steps: { decoded: string; freerdpVsSource: { maxErr: number; psnr: number }; rects: number[][] }[];
}

export interface PlanarCase {
  name: string;
  kind: 'planar';
  encoder: 'freerdp' | 'gen.c';
  width: number;
  height: number;
  rle: boolean;
  alpha: boolean;
  cll: number;
  cs: boolean;
  bottomUp: boolean;
}

const manifest = JSON.parse(fs.readFileSync(path.join(VECTORS, 'manifest.json'), 'utf8')) as {
  cases: (RfxCase | PlanarCase)[];
};

export const rfxCases = manifest.cases.filter((c): c is RfxCase => c.kind === 'rfx');
export const planarCases = manifest.cases.filter((c): c is PlanarCase => c.kind === 'planar');

export function vectorFile(name: string): Uint8Array {
  const buf = fs.readFileSync(path.join(VECTORS, name));
  return new Uint8Array(name.endsWith('.gz') ? zlib.gunzipSync(buf) : buf);
}

export function sourceExists(name: string): boolean {
  return fs.existsSync(path.join(VECTORS, name));
}

/** Largest per-channel difference of two RGBA images (alpha ignored) and the PSNR over RGB. */
export function compareRgb(a: Uint8Array, b: Uint8Array): { maxErr: number; psnr: number } {
  let maxErr = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a[i + c] - b[i + c]);
      if (d > maxErr) maxErr = d;
      sq += d * d;
      n++;
    }
  }
  const mse = sq / n;
  return { maxErr, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse) };
}
