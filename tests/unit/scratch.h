/* scratch.h: a throw-away folder under /tmp for one unit test binary, made in setup and removed whole in teardown. */
#ifndef VMDECK_TEST_SCRATCH_H
#define VMDECK_TEST_SCRATCH_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Makes /tmp/TAG.XXXXXX into dir (64 bytes); 0, or -1 when it cannot. */
static inline int scratch_make(char *dir, size_t len, const char *tag)
{
	snprintf(dir, len, "/tmp/%s.XXXXXX", tag);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int scratch_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* Removes dir and everything below it, whatever a failed test left there. */
static inline void scratch_remove(const char *dir)
{
	nftw(dir, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
