// Inverse 2-D discrete wavelet transform of a RemoteFX tile component: the three-level LeGall 5/3
// decomposition of [MS-RDPRFX] 3.1.8.1.4, undone as the decoder of 3.1.8.2 does. Each level turns four
// n x n sub-bands (HL, LH, HH, LL, stored one after the other) into one 2n x 2n block in the same
// place, which is the LL band of the next level. 16-bit storage between the lifting steps, as in
// FreeRDP's decoder.

/** Horizontal lifting of one row: n low samples at buf[l], n high at buf[h], 2n out at tmp[d]. */
function liftRow(buf: Int16Array, l: number, h: number, tmp: Int16Array, d: number, n: number): void {
  let hPrev = buf[h];
  let ePrev = ((buf[l] - ((2 * hPrev + 1) >> 1)) << 16) >> 16;
  tmp[d] = ePrev;
  for (let i = 1; i < n; i++) {
    const hi = buf[h + i];
    const e = ((buf[l + i] - ((hPrev + hi + 1) >> 1)) << 16) >> 16;
    tmp[d + 2 * i] = e;
    tmp[d + 2 * i - 1] = 2 * hPrev + ((ePrev + e) >> 1);
    hPrev = hi;
    ePrev = e;
  }
  tmp[d + 2 * n - 1] = 2 * hPrev + ePrev;
}

/**
 * One level: `buf[off..]` holds HL, LH, HH, LL (n*n each); `tmp` needs 4*n*n entries. First each row
 * pair (LL with HL, LH with HH) is lifted horizontally into tmp (L rows, then H rows), then the
 * columns are lifted vertically back into buf.
 */
function inverseLevel(buf: Int16Array, off: number, tmp: Int16Array, n: number): void {
  const nn = n * n;
  const total = 2 * n;
  const hl = off;
  const lh = off + nn;
  const hh = off + 2 * nn;
  const ll = off + 3 * nn;
  const hRows = n * total; // start of the H rows in tmp

  for (let y = 0; y < n; y++) {
    // even samples: X[2i] = L[i] - ((H[i-1] + H[i] + 1) >> 1), with H[-1] = H[0];
    // odd samples: X[2i+1] = 2*H[i] + ((X[2i] + X[2i+2]) >> 1), with X[2n] = X[2n-2].
    // One pass per row keeps the last even sample in a local, cut to 16 bits as storing it would.
    liftRow(buf, ll + y * n, hl + y * n, tmp, y * total, n);
    liftRow(buf, lh + y * n, hh + y * n, tmp, hRows + y * total, n);
  }

  // vertical: even output rows from L row i and H rows i-1, i
  for (let i = 0; i < n; i++) {
    const l = i * total;
    const h0 = hRows + (i === 0 ? 0 : i - 1) * total;
    const h1 = hRows + i * total;
    const d = off + 2 * i * total;
    for (let x = 0; x < total; x++) buf[d + x] = tmp[l + x] - ((tmp[h0 + x] + tmp[h1 + x] + 1) >> 1);
  }
  // odd output rows from H row i and the even rows around them
  for (let i = 0; i < n; i++) {
    const h = hRows + i * total;
    const d = off + (2 * i + 1) * total;
    const above = d - total;
    const below = i === n - 1 ? above : d + total;
    for (let x = 0; x < total; x++) buf[d + x] = 2 * tmp[h + x] + ((buf[above + x] + buf[below + x]) >> 1);
  }
}

/**
 * inverseLevel when HL, LH and HH are all zero, which it then reduces to: even samples are the LL
 * ones, odd samples the mean of their neighbours (the last repeats), across then down. Flat and
 * smooth areas of a desktop take this path for the 32x32 level, the costly one.
 */
function upsampleLevel(buf: Int16Array, off: number, tmp: Int16Array, n: number): void {
  const total = 2 * n;
  const ll = off + 3 * n * n;
  for (let y = 0; y < n; y++) {
    const s = ll + y * n;
    const d = y * total;
    let prev = buf[s];
    tmp[d] = prev;
    for (let i = 1; i < n; i++) {
      const v = buf[s + i];
      tmp[d + 2 * i] = v;
      tmp[d + 2 * i - 1] = (prev + v) >> 1;
      prev = v;
    }
    tmp[d + total - 1] = prev;
  }
  for (let i = 0; i < n; i++) {
    const s = i * total;
    const d = off + 2 * i * total;
    for (let x = 0; x < total; x++) buf[d + x] = tmp[s + x];
  }
  for (let i = 0; i < n; i++) {
    const d = off + (2 * i + 1) * total;
    const above = d - total;
    if (i === n - 1) {
      buf.copyWithin(d, above, d);
      break;
    }
    const below = d + total;
    for (let x = 0; x < total; x++) buf[d + x] = (buf[above + x] + buf[below + x]) >> 1;
  }
}

/**
 * The three levels: 8x8 bands at 3840, 16x16 at 3072, 32x32 at 0; the 64x64 result fills buf.
 * `firstNonZero` (from rlgrDecode) at or past 3072 means the level-1 bands HL1 LH1 HH1 are empty.
 */
export function inverseDwt(buf: Int16Array, tmp: Int16Array, firstNonZero = 0): void {
  inverseLevel(buf, 3840, tmp, 8);
  inverseLevel(buf, 3072, tmp, 16);
  if (firstNonZero >= 3072) upsampleLevel(buf, 0, tmp, 32);
  else inverseLevel(buf, 0, tmp, 32);
}
