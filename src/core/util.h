/* util.h: allocation, strings, errors-as-values, sizes, paths and small file helpers. */
#ifndef VMDECK_UTIL_H
#define VMDECK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VMDECK_VERSION "0.1.0"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that never returns NULL: out of memory is a bug-level fatal. */
void *xmalloc(size_t n) __attribute__((malloc, alloc_size(1)));
void *xcalloc(size_t n, size_t size) __attribute__((malloc));
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s) __attribute__((malloc));
char *xstrndup(const char *s, size_t n) __attribute__((malloc));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2), malloc));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Errors are values: a function that can fail returns -1 (or NULL) and, when
 * err is not NULL, stores an allocated one-line message there that the caller
 * frees. The message never starts with "vmdeck:"; the CLI adds that.
 */
int err_set(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Growable string buffer. */
struct sbuf {
	char *s;
	size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_take(struct sbuf *b); /* returns the string ("" if empty), resets b */
void sbuf_free(struct sbuf *b);

/* NULL-terminated string vectors (argv and lists). */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_add(struct strv *sv, const char *s);
void strv_addf(struct strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strv_free(struct strv *sv);

/*
 * Sizes: "512M", "2G", "1T", "1024K", plain bytes "1048576"; suffixes are
 * binary (K = 1024). Returns -1 on malformed or overflowing input.
 */
int size_parse(const char *s, uint64_t *out);
/* Human form for tables: "1.0G", "512M", "20G". Writes into buf. */
const char *size_human(uint64_t bytes, char *buf, size_t len);

/*
 * Choice lists as the schema tables hold them, NULL-terminated
 * { "kvm", "tcg", "auto", NULL }: choice_index gives v's position (-1 if not
 * a choice); choices_text the list for messages ("kvm, tcg or auto", allocated).
 */
int choice_index(const char *const *choices, const char *v);
char *choices_text(const char *const *choices);

bool name_valid(const char *name); /* guest names: [A-Za-z0-9][A-Za-z0-9._-]{0,63} */

/*
 * s made safe for a terminal (allocated): control characters (C0, DEL and
 * UTF-8 C1) are written as text, \x1b, \n, \u009b; the rest, UTF-8
 * included, stays. With keep_newline a newline stays one.
 */
char *text_escape(const char *s, bool keep_newline);

char *path_join(const char *dir, const char *name);
/*
 * What follows the last / of path (all of it when there is none; NULL stays NULL); points into
 * path.
 */
const char *path_base(const char *path);
/* Resolve p relative to base_dir unless it is absolute. */
char *path_resolve(const char *base_dir, const char *p);
int mkdir_p(const char *path, mode_t mode, char **err);
/* Appends everything readable from fd until EOF; -1 (errno set) on a read error. */
int fd_read_all(int fd, struct sbuf *b);
/*
 * The same, stopping once more than max bytes came: 1 then, 0 at EOF, -1 (errno set) on a read
 * error.
 */
int fd_read_max(int fd, struct sbuf *b, size_t max);
/* Writes all of buf, retrying after EINTR and short writes; -1 with errno on failure. */
int fd_write_all(int fd, const void *buf, size_t len);
/* Reads until len bytes or end of file; returns bytes read, -1 with errno on failure. */
ssize_t fd_read_full(int fd, void *buf, size_t len);
/*
 * Reads a whole regular file of at most max bytes (a FIFO, device or folder
 * is refused, never waited on); NUL-terminated. oflags are added to open's
 * (O_NOFOLLOW for files in a folder others may have touched). NULL with *err
 * naming the file on failure.
 */
char *file_read_max(const char *path, size_t max, int oflags, size_t *len, char **err);
/* The last max bytes (at most) of a regular file, NUL-terminated; NULL when it cannot be read. */
char *file_read_tail(const char *path, size_t max, int oflags);
/* Definitions, the config and manifests are read with this bound. */
#define FILE_READ_MAX (1024 * 1024)
/* file_read_max(path, FILE_READ_MAX, 0, len, err). */
char *file_read(const char *path, size_t *len, char **err);
/*
 * One read of a small file (a /proc entry, a pidfile; never through a link) into buf,
 * NUL-terminated; bytes or -1.
 */
ssize_t file_read_small(const char *path, char *buf, size_t len);
/* Writes tmp file beside path, fsyncs, renames: readers never see half a file. */
int file_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char **err);
/* fsyncs a folder so a rename or new entry in it survives a crash. */
int dir_sync(const char *dir, char **err);

double now_mono(void);  /* seconds, CLOCK_MONOTONIC */
double now_real(void);  /* seconds since the epoch */
int64_t now_ms(void);   /* milliseconds, CLOCK_MONOTONIC */

#endif
