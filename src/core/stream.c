/*
 * stream.c: compresses disk content with multi-threaded zstd (or gzip), hashing and finding zero
 * blocks on the way.
 */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY  /* ZSTD_getFrameProgression: exported by the shared library too */
#include <zstd.h>

#include "util.h"

const char *stream_ext(const char *compress)
{
	return strcmp(compress, "gzip") == 0 ? ".gz" : ".zst";
}

const char *stream_compress_of(const char *file)
{
	size_t n = strlen(file);

	if (n > 4 && strcmp(file + n - 4, ".zst") == 0)
		return "zstd";
	if (n > 3 && strcmp(file + n - 3, ".gz") == 0)
		return "gzip";
	return NULL;
}

static bool block_is_zero(const unsigned char *p, size_t n)
{
	/* a zero first byte and every byte equal to its successor: zero all through */
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static void sha_hex(EVP_MD_CTX *md, char out[65])
{
	unsigned char d[32];
	unsigned len = 0;

	EVP_DigestFinal_ex(md, d, &len);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int cancelled(const struct stream_opts *o, char **err)
{
	if (o->cancel && *o->cancel)
		return err_set(err, "interrupted");
	return 0;
}

void stream_test_pause(const char *point)
{
	const char *at = getenv("VMDECK_TEST_PAUSE_AT");

	if (at && strcmp(at, point) == 0)
		/* the whole process stops; the test signals it, then sends SIGCONT */
		raise(SIGSTOP);
}

/* ---- compressed side: one writer for both codecs ---- */

struct codec {
	bool gzip;
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
	z_stream z;
	bool z_open;
	int fd;                 /* where compressed bytes go (compress) */
	EVP_MD_CTX *md;         /* over compressed bytes */
	uint64_t bytes;
	unsigned char *buf;
	size_t cap;
	/* progress: raw bytes really compressed, not merely handed to zstd's workers */
	const struct stream_opts *o;
	uint64_t base;          /* raw bytes of finished frames */
	uint64_t fed;           /* raw bytes given to the open frame */
	uint64_t reported;
	uint64_t flushed;       /* archive bytes whose write-back has been started */
	bool last;              /* the stream's final flush is under way */
};

static void codec_report(struct codec *c, uint64_t done)
{
	if (done > c->reported && c->o->progress)
		c->o->progress(c->o->arg, done - c->reported);
	if (done > c->reported)
		c->reported = done;
}

/*
 * zstd's workers take input long before they compress it; its frame progression says what is done.
 */
static void codec_tick(struct codec *c)
{
	uint64_t done = c->fed;

	if (!c->gzip) {
		ZSTD_frameProgression fp = ZSTD_getFrameProgression(c->zc);

		done = fp.consumed < c->fed ? fp.consumed : c->fed;
	}
	codec_report(c, c->base + done);
}

/* A frame ended (or raw bytes bypassed the compressor): all of it is done. */
static void codec_settle(struct codec *c, uint64_t extra)
{
	c->base += c->fed + extra;
	c->fed = 0;
	codec_report(c, c->base);
}

static int codec_emit(struct codec *c, const void *p, size_t n, char **err)
{
	if (n == 0)
		return 0;
	EVP_DigestUpdate(c->md, p, n);
	c->bytes += n;
	if (fd_write_all(c->fd, p, n) < 0)
		return err_set(err, "cannot write the archive: %s",
			       errno == EPIPE ? "the receiving side went away" : strerror(errno));
	/*
	 * Start writing a file's data to disk as it comes, so the fsync at the end
	 * waits for the last few megabytes only (on a pipe this fails, harmlessly).
	 */
	if (c->bytes - c->flushed >= (32u << 20)) {
		sync_file_range(c->fd, (off_t)c->flushed, (off_t)(c->bytes - c->flushed),
				SYNC_FILE_RANGE_WRITE);
		c->flushed = c->bytes;
	}
	return 0;
}

static int threads_default(int t)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return t > 0 ? t : (n > 0 ? (int)n : 1);
}

static int codec_init_compress(struct codec *c, const struct stream_opts *o, int fd, char **err)
{
	memset(c, 0, sizeof *c);
	c->o = o;
	c->gzip = strcmp(o->compress, "gzip") == 0;
	c->fd = fd;
	c->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
	c->cap = c->gzip ? (1u << 20) : ZSTD_CStreamOutSize() * 8;
	c->buf = xmalloc(c->cap);
	if (c->gzip) {
		int level = o->level > 9 ? 9 : o->level;

		if (deflateInit2(&c->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return err_set(err, "cannot start gzip");
		c->z_open = true;
		return 0;
	}
	c->zc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, o->level);
	ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
	/* nbWorkers > 0 makes compression asynchronous: our thread reads and hashes meanwhile */
	if (ZSTD_isError(
		    ZSTD_CCtx_setParameter(c->zc, ZSTD_c_nbWorkers, threads_default(o->threads))))
		return err_set(err, "this libzstd has no multi-threading");
	return 0;
}

/* Feeds n raw bytes (or, with end, finishes the stream). */
static int codec_compress(struct codec *c, const void *p, size_t n, bool end, char **err)
{
	c->fed += n;
	if (c->gzip) {
		c->z.next_in = (unsigned char *)(uintptr_t)p;
		c->z.avail_in = (uInt)n;
		do {
			c->z.next_out = c->buf;
			c->z.avail_out = (uInt)c->cap;
			if (deflate(&c->z, end ? Z_FINISH : Z_NO_FLUSH) == Z_STREAM_ERROR)
				return err_set(err, "gzip failed");
			if (codec_emit(c, c->buf, c->cap - c->z.avail_out, err) < 0 ||
			    cancelled(c->o, err) < 0)
				return -1;
		} while (c->z.avail_out == 0 || (end && c->z.avail_in > 0));
		if (end)
			codec_settle(c, 0);
		else
			codec_tick(c);
		return 0;
	}
	ZSTD_inBuffer in = { p, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { c->buf, c->cap, 0 };

		left = ZSTD_compressStream2(c->zc, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return err_set(err, "zstd: %s", ZSTD_getErrorName(left));
		if (codec_emit(c, c->buf, out.pos, err) < 0)
			return -1;
		codec_tick(c);
		if (c->last && end) {
			stream_test_pause("flush");
			c->last = false;
		}
		/*
		 * with workers, most of the compressing happens in the final flush: a cancel counts
		 * there too
		 */
		if (cancelled(c->o, err) < 0)
			return -1;
	} while (in.pos < in.size || (end && left > 0));
	if (end)
		codec_settle(c, 0);
	return 0;
}

static void codec_free(struct codec *c)
{
	if (c->zc)
		ZSTD_freeCCtx(c->zc);
	if (c->zd)
		ZSTD_freeDCtx(c->zd);
	EVP_MD_CTX_free(c->md);
	free(c->buf);
}

/* ---- reading ahead: a thread keeps the disk busy while we hash and compress ---- */

#define READ_SLOTS 4

struct reader {
	int fd;
	uint64_t size, queued;      /* bytes to read, bytes read so far */
	unsigned char *buf[READ_SLOTS];
	size_t len[READ_SLOTS];
	unsigned head, tail;        /* filled slots are [tail, head) */
	int error;                  /* errno of a failed read; -1 when the disk ended early */
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (!r->stop && r->head - r->tail == READ_SLOTS)
			pthread_cond_wait(&r->cv, &r->mu);
		bool done = r->stop || r->queued >= r->size;
		unsigned slot = r->head % READ_SLOTS;
		pthread_mutex_unlock(&r->mu);
		if (done)
			break;
		size_t want = r->size - r->queued < STREAM_BLOCK ? (size_t)(r->size - r->queued)
								 : STREAM_BLOCK;
		ssize_t got = fd_read_full(r->fd, r->buf[slot], want);

		pthread_mutex_lock(&r->mu);
		if (got < 0 || (size_t)got < want) {
			r->error = got < 0 ? errno : -1;
			r->len[slot] = 0;
		} else {
			r->len[slot] = want;
		}
		r->queued += want;
		r->head++;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (got < 0 || (size_t)got < want)
			break;
	}
	return NULL;
}

static int reader_start(struct reader *r, int fd, uint64_t size)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->size = size;
	for (int i = 0; i < READ_SLOTS; i++)
		r->buf[i] = xmalloc(STREAM_BLOCK);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return pthread_create(&r->th, NULL, reader_main, r) == 0 ? 0 : -1;
}

/* The next block in order; NULL at a read error (*error set). */
static const unsigned char *reader_next(struct reader *r, size_t *len, int *error)
{
	unsigned char *b;

	pthread_mutex_lock(&r->mu);
	while (r->head == r->tail)
		pthread_cond_wait(&r->cv, &r->mu);
	b = r->buf[r->tail % READ_SLOTS];
	*len = r->len[r->tail % READ_SLOTS];
	*error = *len == 0 ? r->error : 0;
	pthread_mutex_unlock(&r->mu);
	return *len ? b : NULL;
}

static void reader_release(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->tail++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void reader_stop(struct reader *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	for (int i = 0; i < READ_SLOTS; i++)
		free(r->buf[i]);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
}

/*
 * An all-zero block in a zstd archive is a frame of its own, made once:
 * the compressor never sees it, and concatenated frames are still one
 * stream for any zstd reader. The open frame is ended first.
 */
static int emit_zero_block(struct codec *c, size_t n, bool *frame_open, char **err)
{
	static unsigned char *frame;
	static size_t frame_len;
	unsigned char *zeros, *tmp;
	size_t cap, len;
	int rc;

	if (*frame_open && codec_compress(c, NULL, 0, true, err) < 0)
		return -1;
	*frame_open = false;
	codec_settle(c, n);
	if (n == STREAM_BLOCK && frame)
		return codec_emit(c, frame, frame_len, err);
	zeros = xcalloc(1, n);
	cap = ZSTD_compressBound(n);
	tmp = xmalloc(cap);
	len = ZSTD_compress(tmp, cap, zeros, n, 1);
	free(zeros);
	if (ZSTD_isError(len)) {
		free(tmp);
		return err_set(err, "zstd: %s", ZSTD_getErrorName(len));
	}
	rc = codec_emit(c, tmp, len, err);
	if (n == STREAM_BLOCK && frame == NULL) {
		frame = tmp;
		frame_len = len;
	} else {
		free(tmp);
	}
	return rc;
}

static int compress_loop(struct reader *r, struct codec *c, EVP_MD_CTX *md,
			 const struct stream_opts *o, struct stream_sums *s, char **err)
{
	bool frame_open = false;

	while (s->raw_bytes < r->size) {
		size_t n;
		int error;
		const unsigned char *blk = reader_next(r, &n, &error);

		if (blk == NULL)
			return error > 0
				       ? err_set(err, "cannot read the disk: %s", strerror(error))
				       : err_set(err,
						 "the disk ended early (after %llu of %llu bytes)",
						 (unsigned long long)s->raw_bytes,
						 (unsigned long long)r->size);
		EVP_DigestUpdate(md, blk, n);
		int rc;

		if (block_is_zero(blk, n) && !c->gzip) {
			s->zero_bytes += n;
			rc = emit_zero_block(c, n, &frame_open, err);
		} else {
			s->zero_bytes += block_is_zero(blk, n) ? n : 0;
			rc = codec_compress(c, blk, n, false, err);
			frame_open = true;
		}
		reader_release(r);
		if (rc < 0 || cancelled(o, err) < 0)
			return -1;
		s->raw_bytes += n;
	}
	/* an empty stream still needs one frame so that readers see a valid file */
	c->last = true;
	if (frame_open || c->gzip || s->raw_bytes == 0)
		return codec_compress(c, NULL, 0, true, err);
	stream_test_pause("flush");
	return cancelled(o, err);
}

int stream_compress(int in, uint64_t size, int out, const struct stream_opts *o,
		    struct stream_sums *s, char **err)
{
	struct codec c;
	struct reader r;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;

	memset(s, 0, sizeof *s);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (codec_init_compress(&c, o, out, err) < 0) {
		codec_free(&c);
		EVP_MD_CTX_free(md);
		return -1;
	}
	if (reader_start(&r, in, size) < 0) {
		err_set(err, "cannot start a thread");
		goto done;
	}
	rc = compress_loop(&r, &c, md, o, s, err);
	reader_stop(&r);
	if (rc == 0) {
		sha_hex(md, s->raw_sha);
		sha_hex(c.md, s->comp_sha);
		s->comp_bytes = c.bytes;
	}
done:
	if (c.z_open)
		deflateEnd(&c.z);
	codec_free(&c);
	EVP_MD_CTX_free(md);
	return rc;
}

/* ---- raw side of a restore: sparse-aware writer ---- */

struct sink {
	int fd;           /* -1: check only */
	bool regular, blockdev;
	uint64_t off;
	unsigned char *blk;
	size_t fill;      /* bytes waiting in blk */
	EVP_MD_CTX *md;
	struct stream_sums *s;
	const struct stream_opts *o;
};

/* Zeroes [off, off+n) on the output: a hole in a file, a zero-out on a block device. */
static int sink_zero(struct sink *k, size_t n, char **err)
{
	if (k->regular)
		return 0;  /* the file is new and was sized with ftruncate: a hole reads as zeros */
	if (k->blockdev) {
		uint64_t range[2] = { k->off, n };

		if (ioctl(k->fd, BLKZEROOUT, range) == 0 ||
		    pwrite(k->fd, k->blk, n, (off_t)k->off) == (ssize_t)n)
			return 0;
	} else if (fd_write_all(k->fd, k->blk, n) == 0) {
		return 0;  /* k->blk holds the zeros themselves */
	}
	return err_set(err, "cannot write the disk: %s", strerror(errno));
}

static int sink_flush(struct sink *k, char **err)
{
	size_t n = k->fill;

	if (n == 0)
		return 0;
	EVP_DigestUpdate(k->md, k->blk, n);
	if (block_is_zero(k->blk, n)) {
		k->s->zero_bytes += n;
		if (k->fd >= 0 && sink_zero(k, n, err) < 0)
			return -1;
	} else if (k->fd >= 0) {
		ssize_t w = (k->regular || k->blockdev)
				    ? pwrite(k->fd, k->blk, n, (off_t)k->off)
				    : (fd_write_all(k->fd, k->blk, n) == 0 ? (ssize_t)n : -1);

		if (w != (ssize_t)n)
			return err_set(err, "cannot write the disk: %s",
				       w < 0 ? strerror(errno) : "short write");
	}
	k->off += n;
	k->s->raw_bytes += n;
	k->fill = 0;
	if (k->o->progress)
		k->o->progress(k->o->arg, n);
	return cancelled(k->o, err);
}

static int sink_add(struct sink *k, const unsigned char *p, size_t n, char **err)
{
	while (n > 0) {
		size_t take = STREAM_BLOCK - k->fill < n ? STREAM_BLOCK - k->fill : n;

		memcpy(k->blk + k->fill, p, take);
		k->fill += take;
		p += take;
		n -= take;
		if (k->fill == STREAM_BLOCK && sink_flush(k, err) < 0)
			return -1;
	}
	return 0;
}

/* One decompressor (gzip or zstd) and its output buffer; ended once a whole stream was seen. */
struct decoder {
	bool gzip;
	z_stream z;
	ZSTD_DCtx *zd;
	unsigned char *ob;
	size_t ocap;
	bool ended;
};

/* Inflates one chunk of gzip input into the sink; a member that ends starts the next. */
static int gunzip_chunk(struct decoder *d, unsigned char *ib, size_t n, struct sink *k, char **err)
{
	d->z.next_in = ib;
	d->z.avail_in = (uInt)n;
	while (d->z.avail_in > 0) {
		d->z.next_out = d->ob;
		d->z.avail_out = (uInt)d->ocap;
		int zr = inflate(&d->z, Z_NO_FLUSH);

		if (zr != Z_OK && zr != Z_STREAM_END)
			return err_set(err, "the archive is damaged (gzip: %s)",
				       d->z.msg ? d->z.msg : "bad data");
		if (sink_add(k, d->ob, d->ocap - d->z.avail_out, err) < 0)
			return -1;
		d->ended = zr == Z_STREAM_END;
		if (d->ended && d->z.avail_in > 0) {  /* another gzip member follows */
			inflateReset(&d->z);
			d->ended = false;
		}
	}
	return 0;
}

/* Decompresses one chunk of zstd input into the sink. */
static int unzstd_chunk(struct decoder *d, unsigned char *ib, size_t n, struct sink *k, char **err)
{
	ZSTD_inBuffer zi = { ib, n, 0 };

	while (zi.pos < zi.size) {
		ZSTD_outBuffer zo = { d->ob, d->ocap, 0 };
		size_t zr = ZSTD_decompressStream(d->zd, &zo, &zi);

		if (ZSTD_isError(zr))
			return err_set(err, "the archive is damaged (zstd: %s)",
				       ZSTD_getErrorName(zr));
		if (sink_add(k, d->ob, zo.pos, err) < 0)
			return -1;
		d->ended = zr == 0;
	}
	return 0;
}

/* Runs the decoder over everything in `in`, handing raw bytes to the sink. */
static int decode_all(bool gzip, int in, struct sink *k, EVP_MD_CTX *cmd, uint64_t *comp,
		      char **err)
{
	size_t icap = 1u << 20;
	unsigned char *ib = xmalloc(icap);
	struct decoder d = { .gzip = gzip, .ocap = 1u << 20 };
	ssize_t r = 0;
	int rc = -1;

	d.ob = xmalloc(d.ocap);
	d.zd = gzip ? NULL : ZSTD_createDCtx();
	if (gzip && inflateInit2(&d.z, 15 + 32) != Z_OK) {
		err_set(err, "cannot start gzip");
		goto out;
	}
	while ((r = fd_read_full(in, ib, icap)) > 0) {
		EVP_DigestUpdate(cmd, ib, (size_t)r);
		*comp += (uint64_t)r;
		if ((gzip ? gunzip_chunk(&d, ib, (size_t)r, k, err)
			  : unzstd_chunk(&d, ib, (size_t)r, k, err)) < 0)
			goto out;
	}
	if (r < 0)
		err_set(err, "cannot read the archive: %s", strerror(errno));
	else if (!gzip && !d.ended)
		err_set(err, "the archive is truncated");
	else
		rc = 0;
out:
	if (gzip)
		inflateEnd(&d.z);
	ZSTD_freeDCtx(d.zd);
	free(ib);
	free(d.ob);
	return rc;
}

int stream_decompress(int in, int out, uint64_t size, const struct stream_opts *o,
		      struct stream_sums *s, char **err)
{
	struct sink k = { .fd = out, .s = s, .o = o };
	EVP_MD_CTX *cmd = EVP_MD_CTX_new();
	struct stat st;
	int rc = -1;

	memset(s, 0, sizeof *s);
	k.md = EVP_MD_CTX_new();
	k.blk = xmalloc(STREAM_BLOCK);
	EVP_DigestInit_ex(k.md, EVP_sha256(), NULL);
	EVP_DigestInit_ex(cmd, EVP_sha256(), NULL);
	if (out >= 0 && fstat(out, &st) == 0) {
		k.regular = S_ISREG(st.st_mode);
		k.blockdev = S_ISBLK(st.st_mode);
	}
	if (k.regular && ftruncate(out, (off_t)size) < 0) {
		err_set(err, "cannot size the disk file: %s", strerror(errno));
		goto done;
	}
	if (decode_all(strcmp(o->compress, "gzip") == 0, in, &k, cmd, &s->comp_bytes, err) < 0 ||
	    sink_flush(&k, err) < 0)
		goto done;
	if (s->raw_bytes != size) {
		err_set(err, "the archive holds %llu bytes, the manifest says %llu",
			(unsigned long long)s->raw_bytes, (unsigned long long)size);
		goto done;
	}
	sha_hex(k.md, s->raw_sha);
	sha_hex(cmd, s->comp_sha);
	rc = 0;
done:
	EVP_MD_CTX_free(k.md);
	EVP_MD_CTX_free(cmd);
	free(k.blk);
	return rc;
}
