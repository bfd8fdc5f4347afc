/*
 * Reference vectors and a timing helper for tshjs's RDP graphics decoders, made with FreeRDP's own
 * codec library (freerdp2-dev 2.11). Built and run by scripts/gen-rdp-vectors.sh and bench/rfx.js:
 *
 *   gen vectors DIR             encode synthetic images with RemoteFX (RLGR1, RLGR3) and planar, decode
 *                               them again with FreeRDP, write the messages, FreeRDP's decoded pixels
 *                               (RGBA) and manifest.json into DIR
 *   gen rfx-encode FILE W H N [--desktop]
 *                               N RemoteFX RLGR3 frames of W x H, each a u32le length + message (the
 *                               first carries the headers): the busy test picture moving, or with
 *                               --desktop a quieter desktop (flat background, windows, text)
 *   gen rfx-decode FILE ITER [--threads]
 *                               decode every message of FILE ITER times with rfx_process_message and
 *                               print {"frames":..,"ns":..,"cpuNs":..} (wall and CPU time for all
 *                               frames of all iterations);
 *                               on one thread unless --threads (FreeRDP's default tile thread pool)
 *
 * FreeRDP cannot encode planar with colour loss (YCoCg) or chroma subsampling, so those streams are
 * built here ([MS-RDPEGDI] 2.2.2.5.1 and 3.1.9.1.2) and only their decoding is FreeRDP's. Likewise
 * interleaved RLE ([MS-RDPBCGR] 2.2.9.1.1.3.1.2.4): FreeRDP's encoder never emits the set-foreground,
 * special fg/bg, white and black orders (nor back-to-back background runs), so streams with those
 * are written here by hand and only decoded by FreeRDP.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freerdp/version.h>
#include <freerdp/codec/color.h>
#include <freerdp/codec/interleaved.h>
#include <freerdp/codec/planar.h>
#include <freerdp/codec/rfx.h>
#include <winpr/stream.h>

#ifndef PLANAR_FORMAT_HEADER_RLE
#define PLANAR_FORMAT_HEADER_CS (1 << 3)
#define PLANAR_FORMAT_HEADER_RLE (1 << 4)
#define PLANAR_FORMAT_HEADER_NA (1 << 5)
#endif

static void die(const char* msg)
{
	fprintf(stderr, "gen: %s\n", msg);
	exit(1);
}

static uint32_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

/* A desktop-like BGRA picture: a gradient, flat windows, text-like strokes and a noisy "photo".
 * The buffer is w x h with the given stride (in pixels); shift moves the content (animation). */
static void make_image(BYTE* bgra, int w, int h, int stride, uint32_t seed, int shift, int alpha)
{
	rng_state = seed;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
		{
			BYTE* p = &bgra[4 * (y * stride + x)];
			p[0] = (BYTE)(((x + shift) * 255) / (w > 1 ? w - 1 : 1));
			p[1] = (BYTE)((y * 255) / (h > 1 ? h - 1 : 1));
			p[2] = (BYTE)(((x + y + shift) * 3) & 0xFF);
			p[3] = alpha ? (BYTE)((x * 7 + y * 3) & 0xFF) : 0xFF;
		}
	/* windows: flat rectangles with a title bar */
	int nwin = 2 + (w * h) / 20000;
	for (int i = 0; i < nwin; i++)
	{
		int ww = 16 + (int)(rnd() % (unsigned)(w / 2 + 1));
		int wh = 12 + (int)(rnd() % (unsigned)(h / 2 + 1));
		int wx = (int)(rnd() % (unsigned)w) + shift;
		int wy = (int)(rnd() % (unsigned)h);
		BYTE c = (BYTE)(rnd() & 0xFF);
		for (int y = wy; y < wy + wh && y < h; y++)
			for (int x = wx; x < wx + ww && x < w; x++)
			{
				BYTE* p = &bgra[4 * (y * stride + x)];
				int title = y < wy + 8;
				p[0] = title ? 0x80 : c;
				p[1] = title ? 0x30 : (BYTE)(c ^ 0x5A);
				p[2] = title ? 0x10 : 0xF0;
				/* text-like strokes inside the window */
				if (!title && ((x - wx) % 7 < 4) && ((y - wy) % 11 < 8) && ((x * 31 + y * 17) % 5 < 2))
					p[0] = p[1] = p[2] = 0x10;
			}
	}
	/* a noisy photo-like block */
	int px = w / 3, py = h / 3, pw = w / 4 + 1, ph = h / 4 + 1;
	for (int y = py; y < py + ph && y < h; y++)
		for (int x = px; x < px + pw && x < w; x++)
		{
			BYTE* p = &bgra[4 * (y * stride + x)];
			uint32_t r = rnd();
			p[0] = (BYTE)((p[0] + (r & 0x3F)) & 0xFF);
			p[1] = (BYTE)((p[1] + ((r >> 6) & 0x3F)) & 0xFF);
			p[2] = (BYTE)((p[2] + ((r >> 12) & 0x3F)) & 0xFF);
		}
}

/* A quieter, more typical desktop: a flat background, a few large windows with white client areas,
 * gradient title bars and lines of glyph-like text, a taskbar. shift moves the front window. */
static void make_desktop(BYTE* bgra, int w, int h, int stride, uint32_t seed, int shift)
{
	rng_state = seed;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
		{
			BYTE* p = &bgra[4 * (y * stride + x)];
			p[0] = 0x80;
			p[1] = 0x60;
			p[2] = 0x20;
			p[3] = 0xFF;
		}
	for (int i = 0; i < 5; i++)
	{
		const int ww = w / 3 + (int)(rnd() % (unsigned)(w / 4));
		const int wh = h / 3 + (int)(rnd() % (unsigned)(h / 4));
		const int wx = (int)(rnd() % (unsigned)(w - ww)) + (i == 4 ? shift : 0);
		const int wy = (int)(rnd() % (unsigned)(h - wh - 40));
		for (int y = wy; y < wy + wh && y < h; y++)
			for (int x = wx; x < wx + ww && x < w; x++)
			{
				BYTE* p = &bgra[4 * (y * stride + x)];
				const int ry = y - wy, rx = x - wx;
				if (ry < 24)
				{ /* title bar */
					p[0] = (BYTE)(0xC0 - rx * 0x80 / ww);
					p[1] = (BYTE)(0x60 + ry);
					p[2] = 0x30;
				}
				else
				{
					/* text: 8x14 cells, strokes in some of them */
					const int cx = rx % 9, cy = (ry - 24) % 18, cell = (rx / 9) * 31 + ((ry - 24) / 18) * 17;
					const int ink = cy < 14 && cx < 7 && ((cell * 2654435761u) >> 28) % 5 != 0 &&
					                (cx == (cell & 3) || cy == 6 || (cx + cy + cell) % 7 == 0);
					p[0] = p[1] = p[2] = ink ? 0x20 : 0xFF;
				}
			}
	}
	for (int y = h - 40; y < h; y++) /* taskbar */
		for (int x = 0; x < w; x++)
		{
			BYTE* p = &bgra[4 * (y * stride + x)];
			p[0] = p[1] = p[2] = (BYTE)(0x30 + (y - (h - 40)));
		}
}

static void write_file(const char* dir, const char* name, const BYTE* data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE* f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

/* BGRA (FreeRDP's PIXEL_FORMAT_BGRA32 byte order) to RGBA bytes, w x h from a strided buffer. */
static BYTE* to_rgba(const BYTE* bgra, int w, int h, int stride)
{
	BYTE* out = malloc((size_t)w * h * 4);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
		{
			const BYTE* s = &bgra[4 * (y * stride + x)];
			BYTE* d = &out[4 * (y * w + x)];
			d[0] = s[2];
			d[1] = s[1];
			d[2] = s[0];
			d[3] = s[3];
		}
	return out;
}

static int same_file(const char* dir, const char* name, const BYTE* data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE* f = fopen(path, "rb");
	if (!f)
		return 0;
	BYTE* buf = malloc(len + 1);
	const size_t got = fread(buf, 1, len + 1, f);
	fclose(f);
	const int same = got == len && memcmp(buf, data, len) == 0;
	free(buf);
	return same;
}

static FILE* manifest;
static int first_case = 1;

static void manifest_case(const char* json)
{
	fprintf(manifest, "%s\n    %s", first_case ? "" : ",", json);
	first_case = 0;
}

/* ---------------------------------------------------------------- RemoteFX */

struct rfx_step
{
	uint32_t seed;
	int shift;
	int numRects;
	RFX_RECT rects[3];
};

/* Encodes the steps of one RemoteFX session (one encoder context, headers in the first message)
 * and decodes them with one decoder context onto one screen, as a client would. */
static void rfx_case(const char* dir, const char* name, RLGR_MODE mode, int w, int h, int left, int top,
                     int screenW, int screenH, const struct rfx_step* steps, int nsteps, int writeSource,
                     const char* sameAs)
{
	const int pw = (w + 63) & ~63, ph = (h + 63) & ~63; /* the encoder reads whole tiles */
	RFX_CONTEXT* enc = rfx_context_new(TRUE);
	RFX_CONTEXT* dec = rfx_context_new(FALSE);
	if (!enc || !dec)
		die("rfx_context_new");
	enc->mode = mode;
	rfx_context_set_pixel_format(enc, PIXEL_FORMAT_BGRX32);
	if (!rfx_context_reset(enc, w, h))
		die("rfx_context_reset");
	rfx_context_set_pixel_format(dec, PIXEL_FORMAT_BGRX32);

	BYTE* src = calloc((size_t)pw * ph, 4);
	BYTE* screen = calloc((size_t)screenW * screenH, 4);
	for (int i = 0; i < screenW * screenH; i++)
		screen[4 * i + 3] = 0xFF;
	char json[8192];
	int n = snprintf(json, sizeof(json),
	                 "{\"name\":\"%s\",\"kind\":\"rfx\",\"mode\":\"%s\",\"width\":%d,\"height\":%d,"
	                 "\"left\":%d,\"top\":%d,\"screenWidth\":%d,\"screenHeight\":%d,\"steps\":[",
	                 name, mode == RLGR1 ? "rlgr1" : "rlgr3", w, h, left, top, screenW, screenH);
	for (int s = 0; s < nsteps; s++)
	{
		make_image(src, w, h, pw, steps[s].seed, steps[s].shift, 0);
		wStream* st = Stream_New(NULL, 1024);
		if (!rfx_compose_message(enc, st, steps[s].rects, steps[s].numRects, src, w, h, pw * 4))
			die("rfx_compose_message");
		const size_t len = Stream_GetPosition(st);
		char file[256];
		snprintf(file, sizeof(file), "%s.%d.msg", name, s);
		write_file(dir, file, Stream_Buffer(st), len);

		if (!rfx_process_message(dec, Stream_Buffer(st), (UINT32)len, left, top, screen,
		                         PIXEL_FORMAT_BGRA32, screenW * 4, screenH, NULL))
			die("rfx_process_message");
		BYTE* rgba = to_rgba(screen, screenW, screenH, screenW);
		/* RLGR1 and RLGR3 are lossless entropy coders: the same pictures decode the same, so the
		 * RLGR1 cases point at the RLGR3 files when they are equal (keeps the vectors small) */
		char decoded[256];
		snprintf(decoded, sizeof(decoded), "%s.%d.freerdp.rgba", sameAs ? sameAs : name, s);
		if (!sameAs || !same_file(dir, decoded, rgba, (size_t)screenW * screenH * 4))
		{
			snprintf(decoded, sizeof(decoded), "%s.%d.freerdp.rgba", name, s);
			write_file(dir, decoded, rgba, (size_t)screenW * screenH * 4);
		}
		free(rgba);
		if (writeSource)
		{
			rgba = to_rgba(src, w, h, pw);
			snprintf(file, sizeof(file), "%s.%d.source.rgba", name, s);
			write_file(dir, file, rgba, (size_t)w * h * 4);
			free(rgba);
		}

		/* FreeRDP's own error against the source, over the pixels this step updates */
		int maxErr = 0;
		double sq = 0;
		long cnt = 0;
		for (int r = 0; r < steps[s].numRects; r++)
		{
			const RFX_RECT* rc = &steps[s].rects[r];
			for (int y = rc->y; y < rc->y + rc->height && y < h; y++)
				for (int x = rc->x; x < rc->x + rc->width && x < w; x++)
					for (int c = 0; c < 3; c++)
					{
						int d = (int)screen[4 * ((top + y) * screenW + left + x) + c] -
						        (int)src[4 * (y * pw + x) + c];
						if (d < 0)
							d = -d;
						if (d > maxErr)
							maxErr = d;
						sq += (double)d * d;
						cnt++;
					}
		}
		const double mse = cnt ? sq / (double)cnt : 0;
		const double psnr = mse > 0 ? 10.0 * log10(255.0 * 255.0 / mse) : 99.0;

		n += snprintf(json + n, sizeof(json) - n,
		              "%s{\"decoded\":\"%s.gz\",\"freerdpVsSource\":{\"maxErr\":%d,\"psnr\":%.2f},\"rects\":[",
		              s ? "," : "", decoded, maxErr, psnr);
		for (int r = 0; r < steps[s].numRects; r++)
			n += snprintf(json + n, sizeof(json) - n, "%s[%d,%d,%d,%d]", r ? "," : "",
			              steps[s].rects[r].x, steps[s].rects[r].y, steps[s].rects[r].width,
			              steps[s].rects[r].height);
		n += snprintf(json + n, sizeof(json) - n, "]}");
		Stream_Free(st, TRUE);
	}
	snprintf(json + n, sizeof(json) - n, "]}");
	manifest_case(json);
	free(src);
	free(screen);
	rfx_context_free(enc);
	rfx_context_free(dec);
}

/* ---------------------------------------------------------------- planar */

/* One RDP 6.0 RLE plane ([MS-RDPEGDI] 2.2.2.5.1.1): every scanline after the first is the delta to
 * the one above, as 2*|d| (d >= 0) or 2*|d|-1 (d < 0); segments of raw bytes and runs of the last
 * value. Returns the bytes written. */
static size_t rle_plane(const BYTE* plane, int w, int h, BYTE* out)
{
	BYTE* o = out;
	BYTE* line = malloc((size_t)w);
	for (int y = 0; y < h; y++)
	{
		const BYTE* cur = &plane[y * w];
		for (int x = 0; x < w; x++)
		{
			if (y == 0)
				line[x] = cur[x];
			else
			{
				int d = (int)cur[x] - (int)cur[x - w];
				if (d > 127)
					d -= 256;
				if (d < -128)
					d += 256;
				line[x] = (BYTE)(d >= 0 ? 2 * d : -2 * d - 1);
			}
		}
		int x = 0;
		BYTE last = 0; /* the value a run repeats: 0 at the start of each scanline */
		while (x < w)
		{
			int raw = 0;
			/* raw bytes until a run of >= 3 copies of the value before it starts, at most 15 */
			while (x + raw < w && raw < 15)
			{
				BYTE prev = raw ? line[x + raw - 1] : last;
				int r = 0;
				while (x + raw + r < w && line[x + raw + r] == prev)
					r++;
				if (r >= 3)
					break;
				raw++;
			}
			BYTE prev = raw ? line[x + raw - 1] : last;
			int run = 0;
			while (x + raw + run < w && line[x + raw + run] == prev)
				run++;
			if (run < 3)
				run = 0;
			if (raw > 0)
			{
				int r = run > 15 ? 15 : run;
				if (r == 1 || r == 2)
					r = 0;
				*o++ = (BYTE)((raw << 4) | r);
				memcpy(o, &line[x], (size_t)raw);
				o += raw;
				x += raw + r;
				run -= r;
				last = prev;
			}
			/* the rest of the run: 16..47 as one long-run byte, shorter ones plainly */
			while (run >= 3)
			{
				int r;
				if (run >= 32)
				{
					r = run > 47 ? 47 : run;
					*o++ = (BYTE)(((r - 32) << 4) | 2);
				}
				else if (run >= 16)
				{
					r = run;
					*o++ = (BYTE)(((r - 16) << 4) | 1);
				}
				else
				{
					r = run;
					*o++ = (BYTE)r;
				}
				x += r;
				run -= r;
			}
			if (raw == 0 && run > 0) /* 1 or 2 left over: send them raw */
			{
				*o++ = (BYTE)(run << 4);
				memset(o, prev, (size_t)run);
				o += run;
				x += run;
			}
		}
	}
	free(line);
	return (size_t)(o - out);
}

/* A planar stream with colour loss level cll (1..7), optional chroma subsampling, RLE and alpha,
 * rows bottom-up as in a bitmap update. */
static BYTE* planar_ycocg(const BYTE* bgra, int w, int h, int cll, int cs, int rle, int alpha,
                          size_t* outLen)
{
	const int sw = cs ? (w + 1) / 2 : w, sh = cs ? (h + 1) / 2 : h;
	BYTE* A = malloc((size_t)w * h);
	BYTE* Y = malloc((size_t)w * h);
	BYTE* Co = malloc((size_t)w * h);
	BYTE* Cg = malloc((size_t)w * h);
	int* fco = calloc((size_t)w * h, sizeof(int));
	int* fcg = calloc((size_t)w * h, sizeof(int));
	for (int row = 0; row < h; row++)
	{
		const int y = h - 1 - row; /* bottom-up */
		for (int x = 0; x < w; x++)
		{
			const BYTE* p = &bgra[4 * (y * w + x)];
			const int r = p[2], g = p[1], b = p[0];
			/* Co = B - R: the reverse of the spec's R - B, but what Windows sends and FreeRDP decodes
			 * (FreeRDP PR #5856, "YCoCg to RGB conversion color order") */
			const int co = b - r;
			const int t = r + (co >> 1);
			const int cg = g - t;
			const int yy = t + (cg >> 1);
			A[row * w + x] = p[3];
			Y[row * w + x] = (BYTE)yy;
			fco[row * w + x] = co;
			fcg[row * w + x] = cg;
		}
	}
	for (int y = 0; y < sh; y++)
		for (int x = 0; x < sw; x++)
		{
			int co, cg;
			if (cs)
			{
				int sco = 0, scg = 0, k = 0;
				for (int dy = 0; dy < 2; dy++)
					for (int dx = 0; dx < 2; dx++)
						if (2 * y + dy < h && 2 * x + dx < w)
						{
							sco += fco[(2 * y + dy) * w + 2 * x + dx];
							scg += fcg[(2 * y + dy) * w + 2 * x + dx];
							k++;
						}
				co = sco / k;
				cg = scg / k;
			}
			else
			{
				co = fco[y * w + x];
				cg = fcg[y * w + x];
			}
			Co[y * sw + x] = (BYTE)(co >> cll);
			Cg[y * sw + x] = (BYTE)(cg >> cll);
		}
	BYTE* out = malloc((size_t)w * h * 8 + 16);
	BYTE* o = out;
	*o++ = (BYTE)(cll | (cs ? PLANAR_FORMAT_HEADER_CS : 0) | (rle ? PLANAR_FORMAT_HEADER_RLE : 0) |
	              (alpha ? 0 : PLANAR_FORMAT_HEADER_NA));
	if (rle)
	{
		if (alpha)
			o += rle_plane(A, w, h, o);
		o += rle_plane(Y, w, h, o);
		o += rle_plane(Co, sw, sh, o);
		o += rle_plane(Cg, sw, sh, o);
	}
	else
	{
		if (alpha)
		{
			memcpy(o, A, (size_t)w * h);
			o += w * h;
		}
		memcpy(o, Y, (size_t)w * h);
		o += w * h;
		memcpy(o, Co, (size_t)sw * sh);
		o += sw * sh;
		memcpy(o, Cg, (size_t)sw * sh);
		o += sw * sh;
		*o++ = 0; /* pad */
	}
	*outLen = (size_t)(o - out);
	free(A);
	free(Y);
	free(Co);
	free(Cg);
	free(fco);
	free(fcg);
	return out;
}

static void planar_case(const char* dir, const char* name, int w, int h, uint32_t seed, int alphaImage,
                        const char* encoder, DWORD flags, int cll, int cs)
{
	BYTE* src = calloc((size_t)w * h, 4);
	make_image(src, w, h, w, seed, 0, alphaImage);
	BYTE* msg = NULL;
	size_t len = 0;
	const int rle = (flags & PLANAR_FORMAT_HEADER_RLE) != 0;
	const int alpha = (flags & PLANAR_FORMAT_HEADER_NA) == 0;
	if (!strcmp(encoder, "freerdp"))
	{
		BITMAP_PLANAR_CONTEXT* enc = freerdp_bitmap_planar_context_new(flags, w, h);
		UINT32 size = 0;
		if (!enc)
			die("freerdp_bitmap_planar_context_new");
		msg = freerdp_bitmap_compress_planar(enc, src, PIXEL_FORMAT_BGRA32, w, h, w * 4, NULL, &size);
		if (!msg)
			die("freerdp_bitmap_compress_planar");
		len = size;
		freerdp_bitmap_planar_context_free(enc);
	}
	else
		msg = planar_ycocg(src, w, h, cll, cs, rle, alpha, &len);

	BITMAP_PLANAR_CONTEXT* dec = freerdp_bitmap_planar_context_new(0, w, h);
	BYTE* out = calloc((size_t)w * h, 4);
	if (!dec || !planar_decompress(dec, msg, (UINT32)len, w, h, out, PIXEL_FORMAT_BGRA32, w * 4, 0, 0, w,
	                               h, TRUE))
		die("planar_decompress");
	char file[256];
	snprintf(file, sizeof(file), "%s.msg", name);
	write_file(dir, file, msg, len);
	BYTE* rgba = to_rgba(out, w, h, w);
	snprintf(file, sizeof(file), "%s.freerdp.rgba", name);
	write_file(dir, file, rgba, (size_t)w * h * 4);
	free(rgba);

	/* FreeRDP's own error against the source (0 when lossless) */
	int maxErr = 0;
	for (int i = 0; i < w * h * 4; i++)
	{
		int d = (int)out[i] - (int)src[i];
		if ((i & 3) == 3 && !alpha)
			continue;
		if (d < 0)
			d = -d;
		if (d > maxErr)
			maxErr = d;
	}
	char json[1024];
	snprintf(json, sizeof(json),
	         "{\"name\":\"%s\",\"kind\":\"planar\",\"encoder\":\"%s\",\"width\":%d,\"height\":%d,"
	         "\"rle\":%s,\"alpha\":%s,\"cll\":%d,\"cs\":%s,\"bottomUp\":true,"
	         "\"freerdpVsSource\":{\"maxErr\":%d}}",
	         name, encoder, w, h, rle ? "true" : "false", alpha ? "true" : "false", cll,
	         cs ? "true" : "false", maxErr);
	manifest_case(json);
	freerdp_bitmap_planar_context_free(dec);
	free(out);
	free(msg);
	free(src);
}

/* ---------------------------------------------------------------- interleaved */

/* Names of the order kinds of an RLE_BITMAP_STREAM, counted per case in the manifest so the tests
 * can check that the vectors cover every kind (".ext": length in a second byte, ".mega": u16). */
static const char* const order_kinds[] = { "bg",          "bg.ext",          "bg.mega",
	                                       "fg",          "fg.ext",          "fg.mega",
	                                       "fgbg",        "fgbg.ext",        "fgbg.mega",
	                                       "color-run",   "color-run.ext",   "color-run.mega",
	                                       "color-image", "color-image.ext", "color-image.mega",
	                                       "set-fg",      "set-fg.ext",      "set-fg.mega",
	                                       "set-fg-fgbg", "set-fg-fgbg.ext", "set-fg-fgbg.mega",
	                                       "dither",      "dither.ext",      "dither.mega",
	                                       "special-fgbg-1", "special-fgbg-2", "white", "black" };
#define ORDER_KINDS ((int)(sizeof(order_kinds) / sizeof(order_kinds[0])))

/* Walks a stream (without decoding) and counts its order kinds; returns 0 on a malformed stream. */
static int count_orders(const BYTE* p, size_t len, int bpp, int counts[ORDER_KINDS])
{
	const int bpx = bpp == 8 ? 1 : bpp == 24 ? 3 : 2;
	size_t i = 0;
	memset(counts, 0, sizeof(int) * ORDER_KINDS);
	while (i < len)
	{
		const BYTE h = p[i];
		int family, form = 0, n, pixels, extra = 0; /* family: index / 3 in order_kinds */
		if ((h & 0xC0) != 0xC0)
		{
			static const int fam[] = { 0, 1, 2, 3, 4 };
			if ((h >> 5) > 4)
				return 0;
			family = fam[h >> 5];
			n = h & 0x1F;
			if (n == 0)
			{
				form = 1;
				n = p[i + 1] + (family == 2 ? 1 : 32);
			}
			else if (family == 2)
				n *= 8;
			i += form ? 2 : 1;
		}
		else if ((h & 0xF0) != 0xF0)
		{
			family = (h >> 4) == 0xC ? 5 : (h >> 4) == 0xD ? 6 : 7;
			n = h & 0x0F;
			if (n == 0)
			{
				form = 1;
				n = p[i + 1] + (family == 6 ? 1 : 16);
			}
			else if (family == 6)
				n *= 8;
			i += form ? 2 : 1;
		}
		else if (h >= 0xF9)
		{
			const int k = h == 0xF9 ? 24 : h == 0xFA ? 25 : h == 0xFD ? 26 : h == 0xFE ? 27 : -1;
			if (k < 0)
				return 0;
			counts[k]++;
			i++;
			continue;
		}
		else
		{
			static const int fam[] = { 0, 1, 2, 3, 4, -1, 5, 6, 7 };
			family = fam[h & 0x0F];
			if (family < 0)
				return 0;
			form = 2;
			n = p[i + 1] | p[i + 2] << 8;
			i += 3;
		}
		pixels = n;
		switch (family)
		{
			case 2:
				extra = (n + 7) / 8;
				break;
			case 3:
				extra = bpx;
				break;
			case 4:
				extra = n * bpx;
				break;
			case 5:
				extra = bpx;
				break;
			case 6:
				extra = bpx + (n + 7) / 8;
				break;
			case 7:
				extra = 2 * bpx;
				pixels = 2 * n;
				break;
		}
		(void)pixels;
		i += (size_t)extra;
		counts[family * 3 + form]++;
	}
	return i == len;
}

/* Writes the case's stream and FreeRDP's decoding of it (RGBA) and its manifest entry. */
static void interleaved_write(const char* dir, const char* name, const char* encoder, int bpp, int w, int h,
                              const BYTE* msg, size_t len, const BYTE* sourceBgra)
{
	BITMAP_INTERLEAVED_CONTEXT* dec = bitmap_interleaved_context_new(FALSE);
	BYTE* out = calloc((size_t)w * h, 4);
	gdiPalette grey;
	grey.format = PIXEL_FORMAT_BGRX32;
	for (int i = 0; i < 256; i++)
		grey.palette[i] = FreeRDPGetColor(PIXEL_FORMAT_BGRX32, (BYTE)i, (BYTE)i, (BYTE)i, 0xFF);
	if (!dec || !interleaved_decompress(dec, msg, (UINT32)len, w, h, bpp, out, PIXEL_FORMAT_BGRA32, w * 4, 0,
	                                    0, w, h, &grey))
		die("interleaved_decompress");
	char file[256];
	snprintf(file, sizeof(file), "%s.msg", name);
	write_file(dir, file, msg, len);
	BYTE* rgba = to_rgba(out, w, h, w);
	snprintf(file, sizeof(file), "%s.freerdp.rgba", name);
	write_file(dir, file, rgba, (size_t)w * h * 4);
	free(rgba);

	int counts[ORDER_KINDS];
	if (!count_orders(msg, len, bpp, counts))
		die("count_orders: a malformed stream");
	char json[4096];
	int n = snprintf(json, sizeof(json),
	                 "{\"name\":\"%s\",\"kind\":\"interleaved\",\"encoder\":\"%s\",\"bpp\":%d,\"width\":%d,"
	                 "\"height\":%d,",
	                 name, encoder, bpp, w, h);
	if (sourceBgra)
	{
		int maxErr = 0;
		for (int i = 0; i < w * h * 4; i++)
		{
			int d = (int)out[i] - (int)sourceBgra[i];
			if ((i & 3) == 3)
				continue;
			if (d < 0)
				d = -d;
			if (d > maxErr)
				maxErr = d;
		}
		n += snprintf(json + n, sizeof(json) - n, "\"freerdpVsSource\":{\"maxErr\":%d},", maxErr);
	}
	n += snprintf(json + n, sizeof(json) - n, "\"orders\":{");
	int first = 1;
	for (int k = 0; k < ORDER_KINDS; k++)
		if (counts[k])
		{
			n += snprintf(json + n, sizeof(json) - n, "%s\"%s\":%d", first ? "" : ",", order_kinds[k], counts[k]);
			first = 0;
		}
	snprintf(json + n, sizeof(json) - n, "}}");
	manifest_case(json);
	free(out);
	bitmap_interleaved_context_free(dec);
}

/* Content for the encoder: rows made of segments of random kinds and lengths (3..8, 10..31,
 * 32..287, 300..700 pixels, running on across rows), each kind aimed at one order: the row above
 * (background run), the row above with every channel inverted (foreground run: XOR with white),
 * black/white text (fg/bg images), one colour (colour run), two alternating colours (dithered
 * run) and noise (colour image). Colours are multiples of 8 so 15 and 16 bpp keep them. */
static void make_interleaved_image(BYTE* bgra, int w, int h, uint32_t seed, int kinds)
{
	rng_state = seed;
	int kind = 0, left = 0;
	BYTE c1[3] = { 0 }, c2[3] = { 0 };
	for (int i = 0; i < w * h; i++)
	{
		if (left == 0)
		{
			do
				kind = (int)(rnd() % 6);
			while (!(kinds & (1 << kind)));
			const int band = (int)(rnd() % 4);
			left = band == 0 ? 3 + (int)(rnd() % 6)
			                 : band == 1 ? 10 + (int)(rnd() % 22)
			                             : band == 2 ? 32 + (int)(rnd() % 256) : 300 + (int)(rnd() % 400);
			for (int c = 0; c < 3; c++)
			{
				c1[c] = (BYTE)(rnd() & 0xF8);
				c2[c] = (BYTE)(rnd() & 0xF8);
			}
		}
		left--;
		BYTE* p = &bgra[4 * i];
		const BYTE* above = i >= w ? &bgra[4 * (i - w)] : NULL;
		static const BYTE black[3] = { 0, 0, 0 };
		if (!above)
			above = black;
		p[3] = 0xFF;
		/* text: one decision per pixel */
		const int textFg = ((((uint32_t)i * 2654435761u) ^ seed) >> 17) & 1;
		for (int c = 0; c < 3; c++)
			switch (kind)
			{
				case 0: /* background */
					p[c] = above[c];
					break;
				case 1: /* foreground */
					p[c] = (BYTE)(above[c] ^ 0xFF);
					break;
				case 2: /* text: background or foreground per pixel */
					p[c] = (BYTE)(above[c] ^ (textFg ? 0xFF : 0));
					break;
				case 3:
					p[c] = c1[c];
					break;
				case 4:
					p[c] = (i & 1) ? c1[c] : c2[c];
					break;
				default:
					p[c] = (BYTE)(rnd() & 0xF8);
			}
	}
}

static void interleaved_case(const char* dir, const char* name, int bpp, int w, int h, uint32_t seed, int kinds)
{
	BYTE* src = calloc((size_t)w * h, 4);
	if (kinds)
		make_interleaved_image(src, w, h, seed, kinds);
	else
	{
		BYTE* big = calloc(256 * 256, 4);
		make_desktop(big, 256, 256, 256, seed, 0);
		for (int y = 0; y < h; y++)
			memcpy(&src[4 * y * w], &big[4 * ((y + 16) * 256 + 24)], (size_t)w * 4);
		free(big);
	}
	BITMAP_INTERLEAVED_CONTEXT* enc = bitmap_interleaved_context_new(TRUE);
	UINT32 size = 64 * 64 * 4 + 1024;
	BYTE* msg = malloc(size);
	if (!enc || !interleaved_compress(enc, msg, &size, w, h, src, PIXEL_FORMAT_BGRA32, w * 4, 0, 0, NULL, bpp))
		die("interleaved_compress");
	interleaved_write(dir, name, "freerdp", bpp, w, h, msg, size, src);
	bitmap_interleaved_context_free(enc);
	free(msg);
	free(src);
}

static void interleaved_hand(const char* dir, const char* name, int bpp, int w, int h, const BYTE* msg, size_t len)
{
	interleaved_write(dir, name, "gen.c", bpp, w, h, msg, len, NULL);
}

/* Streams with the orders FreeRDP's encoder never writes. Pixels are little-endian: 24 bpp
 * B, G, R; 16 bpp RGB565; 15 bpp RGB555. Each comment says what the order draws. */
static void interleaved_hand_cases(const char* dir)
{
	/* 8x4 at 24 bpp. First line: a set-fg run (lite, 3) of red, back-to-back background runs
	 * (2, then 3: its first pixel is the foreground colour), white, black. Line 2: special fg/bg 1
	 * (mask 0x03: the two first pixels XOR the foreground). Line 3: special fg/bg 2 (mask 0x05).
	 * Line 4: a set-fg fg/bg image (lite, 8 pixels, mask 0xA5) in green. */
	static const BYTE a24[] = {
		0xC3, 0x00, 0x00, 0xFF, /* set-fg run 3, fg = red */
		0x02,                   /* bg run 2: black */
		0x01,                   /* bg run 1 right after: the foreground pixel (red) */
		0xFD, 0xFE,             /* white, black */
		0xF9,                   /* line 2 */
		0xFA,                   /* line 3 */
		0xD1, 0x00, 0xFF, 0x00, 0xA5, /* line 4: set-fg fg/bg image of 8, fg = green */
	};
	interleaved_hand(dir, "interleaved-hand-24-specials", 24, 8, 4, a24, sizeof(a24));

	/* 6x5 at 16 bpp: an extended set-fg fg/bg image (0xD0, n - 1) that crosses from the first line
	 * into the second (it keeps the first line's rules), back-to-back background runs below the
	 * first line (a regular one, then a mega-mega one that starts with above XOR fg), mega-mega
	 * forms of set-fg run (0xF6), set-fg fg/bg image (0xF7) and dithered run (0xF8), a fg run. */
	static const BYTE b16[] = {
		0xD0, 0x08, 0x1F, 0xF8, 0x6B, 0x01, /* 9 */
		0x03,                               /* 12 */
		0xF0, 0x02, 0x00,                   /* 14 */
		0xF6, 0x04, 0x00, 0xE0, 0x07,       /* 18 */
		0xF7, 0x03, 0x00, 0x00, 0xF8, 0x05, /* 21 */
		0xF8, 0x02, 0x00, 0x34, 0x12, 0x78, 0x56, /* mega dithered run of 2 pairs: 25 */
		0x25,                               /* fg run 5: 30 */
	};
	interleaved_hand(dir, "interleaved-hand-16-mega", 16, 6, 5, b16, sizeof(b16));

	/* 20x3 at 15 bpp: an extended set-fg run (16 + 4 = 20 pixels: the first line), an extended
	 * dithered run (16 + 0 = 16 pairs: 32 pixels), a lite dithered run of 4 pairs, white, black. */
	static const BYTE c15[] = {
		0xC0, 0x04, 0x00, 0x7C,                   /* set-fg run 20, fg = 0x7C00 (red) */
		0xE0, 0x00, 0xE0, 0x03, 0x1F, 0x00,       /* dithered 16 pairs: green, blue */
		0xE3, 0xFF, 0x7F, 0x00, 0x00,             /* dithered 3 pairs: white, black: 58 */
		0xFD, 0xFE,                               /* 60 */
	};
	interleaved_hand(dir, "interleaved-hand-15-lite", 15, 20, 3, c15, sizeof(c15));

	/* 4x3 at 8 bpp (a grey palette): colour image, fg run on the first line (white), background
	 * with a foreground pixel, a set-fg fg/bg image (lite, ext length 4). */
	static const BYTE d8[] = {
		0x82, 0x10, 0x20, /* colour image 2 */
		0x22,             /* fg run 2: white: line 1 done */
		0x01,             /* bg run 1: line 2 starts, 0x10 */
		0x01,             /* bg run 1 again: above ^ fg = 0x20 ^ 0xFF */
		0x62, 0x40,       /* colour run 2 */
		0xD0, 0x03, 0x77, 0x09, /* set-fg fg/bg image of 4, fg = 0x77, mask 1001 */
	};
	interleaved_hand(dir, "interleaved-hand-8", 8, 4, 3, d8, sizeof(d8));
}

static int cmd_vectors(const char* dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	manifest = fopen(path, "w");
	if (!manifest)
		die(path);
	fprintf(manifest, "{\n  \"generator\": \"test/vectors/rdp/gen.c with FreeRDP %s\",\n  \"cases\": [",
	        FREERDP_VERSION_FULL);

	/* RemoteFX: one frame; a session of three frames (headers only in the first, clipped rects, a
	 * partial edge tile, an offset surface) for both entropy coders. */
	const struct rfx_step one[] = { { 1, 0, 1, { { 0, 0, 64, 64 } } } };
	rfx_case(dir, "rfx-rlgr3-64", RLGR3, 64, 64, 0, 0, 64, 64, one, 1, 1, NULL);
	rfx_case(dir, "rfx-rlgr1-64", RLGR1, 64, 64, 0, 0, 64, 64, one, 1, 0, "rfx-rlgr3-64");
	const struct rfx_step session[] = {
		{ 7, 0, 1, { { 0, 0, 136, 100 } } },
		{ 8, 5, 2, { { 10, 20, 50, 40 }, { 70, 64, 66, 36 } } },
		{ 9, 9, 3, { { 0, 0, 64, 64 }, { 70, 70, 30, 30 }, { 126, 90, 10, 10 } } },
	};
	rfx_case(dir, "rfx-rlgr3-session", RLGR3, 136, 100, 0, 0, 136, 100, session, 3, 0, NULL);
	rfx_case(dir, "rfx-rlgr1-session", RLGR1, 136, 100, 0, 0, 136, 100, session, 3, 0,
	         "rfx-rlgr3-session");
	const struct rfx_step offset[] = { { 11, 0, 1, { { 0, 0, 100, 70 } } } };
	rfx_case(dir, "rfx-rlgr3-offset", RLGR3, 100, 70, 30, 17, 160, 100, offset, 1, 1, NULL);
	const struct rfx_step big[] = { { 13, 0, 1, { { 0, 0, 256, 256 } } } };
	rfx_case(dir, "rfx-rlgr3-256", RLGR3, 256, 256, 0, 0, 256, 256, big, 1, 0, NULL);

	/* planar: FreeRDP's encoder (RGB planes, raw or RLE, with or without alpha; what the shadow
	 * server sends is the 64x64 RLE no-alpha kind) and colour-loss streams built here. */
	planar_case(dir, "planar-rle-na-64", 64, 64, 21, 0, "freerdp",
	            PLANAR_FORMAT_HEADER_RLE | PLANAR_FORMAT_HEADER_NA, 0, 0);
	planar_case(dir, "planar-rle-alpha-64", 64, 64, 22, 1, "freerdp", PLANAR_FORMAT_HEADER_RLE, 0, 0);
	planar_case(dir, "planar-raw-na-64", 64, 64, 23, 0, "freerdp", PLANAR_FORMAT_HEADER_NA, 0, 0);
	planar_case(dir, "planar-raw-alpha-64", 64, 64, 24, 1, "freerdp", 0, 0, 0);
	planar_case(dir, "planar-rle-na-odd", 100, 37, 25, 0, "freerdp",
	            PLANAR_FORMAT_HEADER_RLE | PLANAR_FORMAT_HEADER_NA, 0, 0);
	planar_case(dir, "planar-cll3-raw", 64, 64, 26, 0, "gen.c", PLANAR_FORMAT_HEADER_NA, 3, 0);
	planar_case(dir, "planar-cll3-cs-raw", 63, 45, 27, 0, "gen.c", PLANAR_FORMAT_HEADER_NA, 3, 1);
	planar_case(dir, "planar-cll2-rle-alpha", 64, 64, 28, 1, "gen.c", PLANAR_FORMAT_HEADER_RLE, 2, 0);
	planar_case(dir, "planar-cll4-cs-rle", 61, 33, 29, 0, "gen.c",
	            PLANAR_FORMAT_HEADER_RLE | PLANAR_FORMAT_HEADER_NA, 4, 1);
	planar_case(dir, "planar-cll1-rle", 64, 64, 30, 0, "gen.c",
	            PLANAR_FORMAT_HEADER_RLE | PLANAR_FORMAT_HEADER_NA, 1, 0);

	/* interleaved RLE: FreeRDP's encoder at 15, 16 and 24 bpp (64x64 is its largest tile) on
	 * segment pictures aimed at each order kind and on a piece of desktop, plus hand-built streams
	 * for the orders it never writes. */
	static const struct
	{
		const char* name;
		int w, h, kinds;
		uint32_t seed;
	} pics[] = {
		{ "mixed", 64, 64, 0x3F, 41 },  { "runs", 64, 64, 0x1B, 42 }, { "text", 64, 48, 0x07, 43 },
		{ "images", 32, 64, 0x38, 44 }, { "desktop", 64, 64, 0, 45 }, { "narrow", 8, 32, 0x3F, 46 },
	};
	static const int depths[] = { 24, 16, 15 };
	for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++)
		for (size_t i = 0; i < sizeof(pics) / sizeof(pics[0]); i++)
		{
			char name[128];
			snprintf(name, sizeof(name), "interleaved-%s-%d", pics[i].name, depths[d]);
			interleaved_case(dir, name, depths[d], pics[i].w, pics[i].h, pics[i].seed + (uint32_t)d,
			                 pics[i].kinds);
		}
	interleaved_hand_cases(dir);

	fprintf(manifest, "\n  ]\n}\n");
	fclose(manifest);
	return 0;
}

/* ---------------------------------------------------------------- bench helpers */

static int cmd_rfx_encode(const char* file, int w, int h, int frames, int desktop)
{
	const int pw = (w + 63) & ~63, ph = (h + 63) & ~63;
	RFX_CONTEXT* enc = rfx_context_new(TRUE);
	enc->mode = RLGR3;
	rfx_context_set_pixel_format(enc, PIXEL_FORMAT_BGRX32);
	if (!rfx_context_reset(enc, w, h))
		die("rfx_context_reset");
	BYTE* src = calloc((size_t)pw * ph, 4);
	FILE* f = fopen(file, "wb");
	if (!f)
		die(file);
	RFX_RECT rect = { 0, 0, (UINT16)w, (UINT16)h };
	for (int i = 0; i < frames; i++)
	{
		if (desktop)
			make_desktop(src, w, h, pw, 100, i * 16);
		else
			make_image(src, w, h, pw, 100 + (uint32_t)i, i * 16, 0);
		wStream* st = Stream_New(NULL, 1024);
		if (!rfx_compose_message(enc, st, &rect, 1, src, w, h, pw * 4))
			die("rfx_compose_message");
		uint32_t len = (uint32_t)Stream_GetPosition(st);
		BYTE le[4] = { (BYTE)len, (BYTE)(len >> 8), (BYTE)(len >> 16), (BYTE)(len >> 24) };
		if (fwrite(le, 1, 4, f) != 4 || fwrite(Stream_Buffer(st), 1, len, f) != len)
			die(file);
		Stream_Free(st, TRUE);
	}
	fclose(f);
	free(src);
	rfx_context_free(enc);
	return 0;
}

/* FreeRDP 2.x decodes the tiles of a message on a thread pool (one work item per tile). For a
 * single-core comparison the pool is turned off through the private context's UseThreads, which in
 * 2.x follows two pointers (log, TilePool) at the start of RFX_CONTEXT_PRIV; written only when it
 * holds the TRUE rfx_context_new put there. */
static int disable_rfx_threads(RFX_CONTEXT* ctx)
{
	BOOL* useThreads = (BOOL*)((BYTE*)ctx->priv + 2 * sizeof(void*));
	if (*useThreads != TRUE)
		return 0;
	*useThreads = FALSE;
	return 1;
}

static int cmd_rfx_decode(const char* file, int iterations, int threads)
{
	FILE* f = fopen(file, "rb");
	if (!f)
		die(file);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	BYTE* all = malloc((size_t)size);
	if (fread(all, 1, (size_t)size, f) != (size_t)size)
		die(file);
	fclose(f);
	RFX_CONTEXT* dec = rfx_context_new(FALSE);
	rfx_context_set_pixel_format(dec, PIXEL_FORMAT_BGRX32);
	if (!threads && !disable_rfx_threads(dec))
		die("cannot turn FreeRDP's RemoteFX thread pool off (not FreeRDP 2.x?)");
	/* the screen size comes from the channels block of the first message */
	UINT32 w = 0, h = 0;
	{
		const BYTE* m = all + 4;
		uint32_t len = all[0] | all[1] << 8 | all[2] << 16 | (uint32_t)all[3] << 24;
		for (uint32_t o = 0; o + 6 <= len;)
		{
			uint16_t type = m[o] | m[o + 1] << 8;
			uint32_t blen = m[o + 2] | m[o + 3] << 8 | m[o + 4] << 16 | (uint32_t)m[o + 5] << 24;
			if (type == 0xCCC2)
			{
				w = m[o + 8] | m[o + 9] << 8;
				h = m[o + 10] | m[o + 11] << 8;
			}
			if (blen < 6)
				break;
			o += blen;
		}
	}
	if (!w || !h)
		die("no channels block in the first message");
	BYTE* screen = calloc((size_t)w * h, 4);
	struct timespec t0, t1, c0, c1;
	int frames = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (int it = 0; it < iterations; it++)
		for (long o = 0; o + 4 <= size;)
		{
			uint32_t len = all[o] | all[o + 1] << 8 | all[o + 2] << 16 | (uint32_t)all[o + 3] << 24;
			if (!rfx_process_message(dec, all + o + 4, len, 0, 0, screen, PIXEL_FORMAT_BGRX32, w * 4, h,
			                         NULL))
				die("rfx_process_message");
			o += 4 + len;
			frames++;
		}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	long long cpuNs = (long long)(c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec);
	printf("{\"frames\":%d,\"ns\":%lld,\"cpuNs\":%lld,\"width\":%u,\"height\":%u,\"threads\":%s}\n", frames,
	       ns, cpuNs, w, h, threads ? "true" : "false");
	rfx_context_free(dec);
	free(screen);
	free(all);
	return 0;
}

int main(int argc, char** argv)
{
	if (argc >= 3 && !strcmp(argv[1], "vectors"))
		return cmd_vectors(argv[2]);
	if (argc >= 6 && !strcmp(argv[1], "rfx-encode"))
		return cmd_rfx_encode(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
		                      argc >= 7 && !strcmp(argv[6], "--desktop"));
	if (argc >= 4 && !strcmp(argv[1], "rfx-decode"))
		return cmd_rfx_decode(argv[2], atoi(argv[3]), argc >= 5 && !strcmp(argv[4], "--threads"));
	fprintf(stderr, "usage: gen vectors DIR | rfx-encode FILE W H N [--desktop] | rfx-decode FILE ITER "
	                "[--threads]\n");
	return 2;
}
