/* util.c: allocation, strings, errors-as-values, sizes, paths and small file helpers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmdeck: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory");
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int err_set(char **err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	free(*err);
	va_start(ap, fmt);
	*err = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

void sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sbuf_add(struct sbuf *b, const char *s)
{
	sbuf_addn(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	sbuf_add(b, s);
	free(s);
}

char *sbuf_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void sbuf_free(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void strv_add(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strv_addf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_add(sv, s);
	free(s);
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Binary multipliers by suffix letter; a table keeps size_parse short. */
static const struct {
	char suffix;
	unsigned shift;
} size_units[] = {
	{ 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 },
};

int size_parse(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		char c = (char)toupper((unsigned char)*end);
		size_t i;

		for (i = 0; i < ARRAY_LEN(size_units); i++)
			if (size_units[i].suffix == c)
				break;
		if (i == ARRAY_LEN(size_units))
			return -1;
		shift = size_units[i].shift;
		end++;
		if (*end == 'i' || *end == 'B')	/* accept 2GiB / 2GB as 2G */
			end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
		if (*end != '\0')
			return -1;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *size_human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024.0 && u + 1 < sizeof units - 1) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

int choice_index(const char *const *choices, const char *v)
{
	for (int i = 0; choices && choices[i]; i++)
		if (strcmp(choices[i], v) == 0)
			return i;
	return -1;
}

char *choices_text(const char *const *choices)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; choices[i]; i++)
		sbuf_printf(&b, "%s%s", i == 0 ? "" : choices[i + 1] ? ", " : " or ", choices[i]);
	return sbuf_take(&b);
}

bool name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 64 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* One control character as text: \n, \t, \r, else \xHH. */
static void escape_control(struct sbuf *b, unsigned char c)
{
	if (c == '\n')
		sbuf_add(b, "\\n");
	else if (c == '\t')
		sbuf_add(b, "\\t");
	else if (c == '\r')
		sbuf_add(b, "\\r");
	else
		sbuf_printf(b, "\\x%02x", c);
}

char *text_escape(const char *s, bool keep_newline)
{
	struct sbuf b = { 0 };

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n' && keep_newline)
			sbuf_add(&b, "\n");
		else if (*p < 0x20 || *p == 0x7f)
			escape_control(&b, *p);
		/* C1 controls in UTF-8: U+009B is a CSI too */
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			sbuf_printf(&b, "\\u%04x", (unsigned)*++p);
		else
			sbuf_addn(&b, (const char *)p, 1);
	}
	return sbuf_take(&b);
}

const char *path_base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *path_resolve(const char *base_dir, const char *p)
{
	if (p[0] == '/' || base_dir == NULL || base_dir[0] == '\0')
		return xstrdup(p);
	return path_join(base_dir, p);
}

int mkdir_p(const char *path, mode_t mode, char **err)
{
	char *p;

	if (path == NULL || path[0] == '\0')
		return err_set(err, "cannot create a folder with an empty name");
	p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err_set(err, "cannot create %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return 0;
}

int fd_read_all(int fd, struct sbuf *b)
{
	return fd_read_max(fd, b, SIZE_MAX);
}

ssize_t file_read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, len - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return r;
}

int fd_read_max(int fd, struct sbuf *b, size_t max)
{
	char chunk[16384];
	ssize_t r;

	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		sbuf_addn(b, chunk, (size_t)r);
		if (b->len > max)
			return 1;
	}
	return 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

ssize_t fd_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

char *file_read_max(const char *path, size_t max, int oflags, size_t *len, char **err)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | oflags);
	struct sbuf b = { 0 };
	struct stat st;
	int rc;

	if (fd < 0) {
		if (errno == ELOOP && (oflags & O_NOFOLLOW))
			err_set(err, "cannot open %s: it is a symbolic link", path);
		else
			err_set(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(err, "cannot read %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	rc = fd_read_max(fd, &b, max);
	if (rc != 0) {
		if (rc > 0)
			err_set(err, "cannot read %s: larger than %zu KiB", path, max / 1024);
		else
			err_set(err, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		sbuf_free(&b);
		return NULL;
	}
	close(fd);
	if (len)
		*len = b.len;
	return sbuf_take(&b);
}

char *file_read_tail(const char *path, size_t max, int oflags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | oflags);
	struct stat st;
	char *buf = NULL;
	ssize_t r;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t from = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;

		buf = xmalloc(max + 1);
		while ((r = pread(fd, buf, max, from)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			free(buf);
			buf = NULL;
		} else {
			buf[r] = '\0';
		}
	}
	close(fd);
	return buf;
}

char *file_read(const char *path, size_t *len, char **err)
{
	return file_read_max(path, FILE_READ_MAX, 0, len, err);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsyncs the folder holding path ("." for a bare name). */
static int parent_sync(const char *path, char **err)
{
	const char *slash = strrchr(path, '/');
	char *dir =
		slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int rc = dir_sync(dir, err);

	free(dir);
	return rc;
}

int file_write_atomic(const char *path, const char *data, size_t len, mode_t mode, char **err)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	/* a new name: O_EXCL, never a planted file or link */
	int fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		err_set(err, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err_set(err, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		err_set(err, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return parent_sync(path, err);  /* the rename itself survives a crash */
}

int dir_sync(const char *dir, char **err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = err_set(err, "cannot sync %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
