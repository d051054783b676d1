/* test_guest.c: the one creation path: VNC numbering and checks, disks first, rollback, copies. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "guest.h"
#include "scratch.h"
#include "util.h"
#include "vmdef.h"

static char dir[64];
static struct config cfg;

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int setup(void **state)
{
	char *p;

	if (scratch_make(dir, sizeof dir, "vmdeck-guest") < 0)
		return -1;
	chmod(dir, 0755);
	config_defaults(&cfg);
	p = path_join(dir, "vms.d");
	set_str(&cfg.vms_dir, p);
	free(p);
	p = path_join(dir, "state");
	set_str(&cfg.state_dir, p);
	mkdir(p, 0755);
	free(p);
	p = path_join(dir, "disks");
	set_str(&cfg.file_dir, p);
	free(p);
	set_str(&cfg.vg, "");
	return 0;
}

static int teardown(void **state)
{
	config_free(&cfg);
	scratch_remove(dir);
	return 0;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, addr, &sa.sin_addr);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static void vnc_def(struct vmdef *d, const char *name, int display, const char *listen)
{
	memset(d, 0, sizeof *d);
	d->name = (char *)name;
	d->vnc = true;
	d->vnc_display = display;
	d->vnc_listen = (char *)listen;
}

static void test_numbering(void **state)
{
	struct vmdef defs[1];
	int first = guest_vnc_free_display(NULL, 0, NULL, NULL), next;

	assert_true(first >= GUEST_VNC_FIRST && first >= 1); /* 5900 is never proposed */
	vnc_def(&defs[0], "a", first, "127.0.0.1");
	next = guest_vnc_free_display(defs, 1, NULL, NULL);
	assert_true(next > first); /* a definition's display is taken while the guest is off too */
	/* its own, when replacing it */
	assert_int_equal(guest_vnc_free_display(defs, 1, "a", NULL), first);
	/* another specific address does not meet 127.0.0.1; 0.0.0.0 meets every one */
	vnc_def(&defs[0], "a", first, "192.0.2.7");
	assert_int_equal(guest_vnc_free_display(defs, 1, NULL, "127.0.0.1"), first);
	vnc_def(&defs[0], "a", first, "0.0.0.0");
	assert_true(guest_vnc_free_display(defs, 1, NULL, "127.0.0.1") > first);
}

static void test_listener(void **state)
{
	int d = guest_vnc_free_display(NULL, 0, NULL, NULL), s = listen_on("127.0.0.1", 5900 + d);
	char *who, want[64];

	if (s < 0)
		skip();
	snprintf(want, sizeof want, "a listener on port %d", 5900 + d);
	who = guest_vnc_display_user(NULL, 0, NULL, d, "127.0.0.1");
	assert_non_null(who);
	assert_string_equal(who, want);
	free(who);
	who = guest_vnc_display_user(NULL, 0, NULL, d, "0.0.0.0"); /* every address: loopback too */
	assert_non_null(who);
	free(who);
	assert_true(guest_vnc_free_display(NULL, 0, NULL, NULL) != d);
	close(s);
}

static void test_listen_check(void **state)
{
	char *err = NULL;

	assert_int_equal(guest_listen_check("127.0.0.1", NULL), 0);
	assert_int_equal(guest_listen_check("0.0.0.0", NULL), 0);
	assert_int_equal(guest_listen_check("localhost", NULL), 0);
	assert_int_equal(guest_listen_check("myhost.example", NULL), 0); /* left to QEMU */
	assert_int_equal(guest_listen_check("192.0.2.7", &err), -1);
	assert_string_equal(err, "vnc.listen 192.0.2.7 is not an address of this host");
	free(err);
	err = NULL;
}

static void test_clash(void **state)
{
	struct vmdef a, b;

	vnc_def(&a, "a", 3, "127.0.0.1");
	vnc_def(&b, "b", 3, "127.0.0.1");
	assert_true(guest_vnc_clash(&a, &b));
	vnc_def(&b, "b", 3, "192.0.2.7");
	assert_false(guest_vnc_clash(&a, &b));
	vnc_def(&b, "b", 3, "::");
	assert_true(guest_vnc_clash(&a, &b));
	vnc_def(&b, "b", 4, "127.0.0.1");
	assert_false(guest_vnc_clash(&a, &b));
}

static void test_disk_default(void **state)
{
	char *f = guest_disk_default(&cfg, "web", false);
	char *want = xasprintf("%s/disks/web.qcow2", dir);

	assert_string_equal(f, want);
	free(f);
	free(want);
	set_str(&cfg.vg, "vg0");
	f = guest_disk_default(&cfg, "web", true);
	assert_string_equal(f, "vg0/web");
	free(f);
	set_str(&cfg.vg, "");
}

/* A guest with one image file of size bytes (a relative name: it lives in file_dir) and a NIC. */
static void file_guest(struct vmdef *d, const char *name, const char *file, const char *size)
{
	vmdef_init(d, name);
	vmdef_add_disk(d);
	assert_int_equal(vmdef_set_field(d, "disks.file", file, NULL), 0);
	if (size)
		assert_int_equal(vmdef_set_field(d, "disks.size", size, NULL), 0);
	vmdef_add_nic(d);
	d->nics[0].user = true;
	d->vnc = true;
	d->vnc_display = GUEST_VNC_ANY;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void test_create(void **state)
{
	struct vmdef d, back;
	char *yaml = xasprintf("%s/vms.d/one.yaml", dir);
	char *disk = xasprintf("%s/disks/one.qcow2", dir);
	char *err = NULL;

	file_guest(&d, "one", "one.qcow2", "1M");
	assert_int_equal(guest_create(&cfg, &d, NULL, &err), 0);
	assert_int_equal(mode_of(yaml), 0600);
	assert_int_equal(mode_of(disk), 0600);
	assert_int_equal(vmdef_load(yaml, &back, NULL), 0);
	assert_string_equal(back.disks[0].file, disk); /* absolute in the file */
	assert_non_null(back.nics[0].mac);
	assert_true(back.vnc_display >= GUEST_VNC_FIRST);
	assert_int_equal(back.vnc_display, d.vnc_display);
	vmdef_free(&back);
	vmdef_free(&d);
	/* the same name again: refused before its disk is touched */
	file_guest(&d, "one", "other.qcow2", "1M");
	assert_int_equal(guest_create(&cfg, &d, NULL, &err), -1);
	assert_non_null(strstr(err, "a guest of that name exists"));
	free(err);
	err = NULL;
	free(disk);
	disk = xasprintf("%s/disks/other.qcow2", dir);
	assert_int_equal(access(disk, F_OK), -1);
	vmdef_free(&d);
	free(disk);
	free(yaml);
}

static int fail_commit(void *arg, char **err)
{
	(*(int *)arg)++;
	return err_set(err, "injected");
}

static int fail_make(void *arg, size_t i, bool *created, char **err)
{
	*created = false;
	return err_set(err, "disk %zu: injected", i + 1);
}

/* A failure once the disks are made (the commit), or at the second disk: no disk, no definition. */
static void test_rollback(void **state)
{
	struct vmdef d;
	struct guest_disk_plan plan[2] = { { .how = GUEST_DISK_CREATE },
					   { .how = GUEST_DISK_MAKE, .make = fail_make } };
	int calls = 0;
	struct guest_create_opts o = { .commit = fail_commit, .commit_arg = &calls };
	char *err = NULL, *yaml = xasprintf("%s/vms.d/two.yaml", dir);
	char *disk = xasprintf("%s/disks/two.raw", dir);

	file_guest(&d, "two", "two.raw", "1M");
	assert_int_equal(guest_create(&cfg, &d, &o, &err), -1);
	assert_string_equal(err, "injected");
	free(err);
	err = NULL;
	assert_int_equal(calls, 1);
	assert_int_equal(access(disk, F_OK), -1);
	assert_int_equal(access(yaml, F_OK), -1);
	vmdef_free(&d);

	file_guest(&d, "two", "two.raw", "1M");
	vmdef_add_disk(&d);
	assert_int_equal(vmdef_set_field(&d, "disks.file", "two-b.raw", NULL), 0);
	o = (struct guest_create_opts){ .disks = plan };
	assert_int_equal(guest_create(&cfg, &d, &o, &err), -1);
	assert_string_equal(err, "disk 2: injected");
	free(err);
	err = NULL;
	assert_int_equal(access(disk, F_OK), -1);
	assert_int_equal(access(yaml, F_OK), -1);
	vmdef_free(&d);
	free(disk);
	free(yaml);
}

/* What `vmdeck clone` will ask for: a new file holding a copy of another disk. */
static void test_copy(void **state)
{
	struct vmdef d;
	char *src = xasprintf("%s/src.raw", dir), *dst = xasprintf("%s/copies/cp.raw", dir), *a, *b;
	struct guest_disk_plan plan[1] = { { .how = GUEST_DISK_COPY, .from = src } };
	struct guest_create_opts o = { .disks = plan };
	FILE *f = fopen(src, "w");
	char *err = NULL;
	size_t na, nb;

	assert_non_null(f);
	for (int i = 0; i < 65536; i++)
		fputc(i * 7 % 251, f);
	fclose(f);
	file_guest(&d, "cp", dst, NULL); /* in a folder not there yet */
	assert_int_equal(guest_create(&cfg, &d, &o, &err), 0);
	assert_int_equal(mode_of(dst), 0600);
	a = file_read(src, &na, NULL);
	b = file_read(dst, &nb, NULL);
	assert_non_null(b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	free(a);
	free(b);
	vmdef_free(&d);
	free(src);
	free(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering),    cmocka_unit_test(test_listener),
		cmocka_unit_test(test_listen_check), cmocka_unit_test(test_clash),
		cmocka_unit_test(test_disk_default), cmocka_unit_test(test_create),
		cmocka_unit_test(test_rollback),     cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
