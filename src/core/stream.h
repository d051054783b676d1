/*
 * stream.h: the backup data path: raw disk bytes <-> zstd/gzip stream, zero blocks, SHA-256, sparse
 * writes.
 */
#ifndef VMDECK_STREAM_H
#define VMDECK_STREAM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define STREAM_BLOCK (4u << 20)  /* read and zero-detection unit */

struct stream_opts {
	const char *compress;   /* "zstd" | "gzip" */
	int level;
	int threads;            /* zstd workers; 0 = one per core */
	/* called after each block with the raw bytes just handled */
	void (*progress)(void *arg, uint64_t bytes);
	void *arg;
	volatile sig_atomic_t *cancel;  /* set by the caller (console job, signal) to stop early */
};

struct stream_sums {
	uint64_t raw_bytes;     /* disk content bytes */
	uint64_t zero_bytes;    /* of which in all-zero blocks */
	uint64_t comp_bytes;    /* compressed stream bytes */
	char raw_sha[65];       /* SHA-256 of the raw content, hex */
	char comp_sha[65];      /* SHA-256 of the compressed stream, hex */
};

/* Reads exactly size bytes from in, compresses them into out. A short source is an error. */
int stream_compress(int in, uint64_t size, int out, const struct stream_opts *o,
		    struct stream_sums *s, char **err);

/*
 * Decompresses in into out (-1: only check) at offset 0, expecting size raw
 * bytes. Zero blocks become holes in a regular file, BLKZEROOUT on a block
 * device, zeros on a pipe. Sums are of what was read and written.
 */
int stream_decompress(int in, int out, uint64_t size, const struct stream_opts *o,
		      struct stream_sums *s, char **err);

/*
 * TEST-ONLY hook, inert in real use: when $VMDECK_TEST_PAUSE_AT names this
 * point, the process stops itself (SIGSTOP) there, so a test can send a
 * signal at exactly that moment and then SIGCONT it. Points: "flush" (the
 * final flush of a compressed stream), "commit" (just before an archive,
 * restored disk, or moved guest is put in place), "committed" (just after).
 */
void stream_test_pause(const char *point);

/* The file extension of a compression: ".zst" or ".gz". */
const char *stream_ext(const char *compress);
/* Which compression a file name's extension says; NULL if neither. */
const char *stream_compress_of(const char *file);

#endif
