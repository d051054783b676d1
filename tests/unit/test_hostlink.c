/* test_hostlink.c: another host's guest object (list --json's shape) becomes the console's model and back, unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"

#include "cmd_status.h"
#include "hostlink.h"
#include "jobfile.h"
#include "util.h"
#include "vmstate.h"

static const char guest_text[] =
	"{\"name\": \"web\", \"state\": \"paused\", \"pid\": 4242, \"cpus\": 2, \"memory\": 1073741824,"
	" \"cpu_percent\": 3.2, \"rss\": 1103101952, \"uptime\": 273600,"
	" \"vnc\": {\"display\": 1, \"port\": 5901, \"listen\": \"0.0.0.0\", \"password\": true},"
	" \"cdrom\": \"/srv/iso/xp-sp3.iso\","
	" \"disks\": [{\"lv\": \"vg0/web\", \"file\": null, \"interface\": \"virtio\", \"size\": 21474836480}],"
	" \"nics\": [{\"bridge\": \"br0\", \"model\": \"e1000\", \"mac\": \"52:54:00:a1:b2:c3\"}],"
	" \"error\": null}";

static void test_model_round_trip(void **state)
{
	json_t *in = json_loads(guest_text, 0, NULL), *out;
	struct vmdef def;
	struct vm_status st = { 0 };

	assert_non_null(in);
	hostlink_guest_model(in, &def, &st);
	assert_string_equal(def.name, "web");
	assert_int_equal(st.state, VM_PAUSED);
	assert_int_equal(st.pid, 4242);
	assert_int_equal(def.n_disks, 1);
	assert_int_equal(def.disks[0].iface, DISK_VIRTIO);
	assert_non_null(def.vnc_password);  /* "set": never the secret itself, which the host does not send */
	out = cmd_status_json(NULL, &def, &st, 0);
	json_object_del(in, "uptime");  /* rounded differently on the way; the rest is the host's word */
	json_object_del(out, "uptime");
	assert_true(json_is_null(json_object_get(out, "ip")));  /* no configuration: nothing known here */
	json_object_del(out, "ip");
	assert_true(json_equal(in, out));
	json_decref(in);
	json_decref(out);
	vmdef_free(&def);
	vmstate_status_clear(&st);
}

static void test_unknown_state_is_not_trusted(void **state)
{
	json_t *in = json_pack("{s:s, s:s, s:s}", "name", "x", "state", "exploded", "error", "\033[2Jboom");
	struct vmdef def;
	struct vm_status st = { 0 };

	hostlink_guest_model(in, &def, &st);
	assert_int_equal(st.state, VM_UNRESPONSIVE);
	assert_string_equal(st.reason, "?[2Jboom");  /* a remote's control characters never reach the terminal */
	assert_null(def.disks[0].lv);                   /* no lists: empty, not garbage */
	assert_int_equal(def.n_disks, 0);
	json_decref(in);
	vmdef_free(&def);
	vmstate_status_clear(&st);
}

static void test_c1_controls_are_not_trusted(void **state)
{
	/* U+009B in UTF-8 is a CSI to a terminal that takes C1 controls (xterm) */
	json_t *in = json_pack("{s:s, s:s, s:s}", "name", "w\xc2\x9b" "2J", "state", "running",
			       "error", "\xc2\x9b" "2Jboom");
	struct vmdef def;
	struct vm_status st = { 0 };

	assert_non_null(in);
	hostlink_guest_model(in, &def, &st);
	assert_string_equal(st.reason, "??2Jboom");
	assert_string_equal(def.name, "w??2J");
	json_decref(in);
	vmdef_free(&def);
	vmstate_status_clear(&st);
}

#define FLOOD_LINES 20000  /* about 800 KiB: more than a turn takes, less than the pipe holds */

/*
 * This binary run as "ssh" (a link in the test's PATH): a host that sends a flood at once, a full
 * status then numbered heartbeats, all in a pipe made large enough to hold them; then a marker file.
 */
static int fake_ssh(void)
{
	char line[128];

	fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);
	printf("{\"type\":\"full\",\"protocol\":1,\"heartbeat\":600,\"guests\":[]}\n");
	for (int i = 1; i <= FLOOD_LINES; i++) {
		snprintf(line, sizeof line, "{\"type\":\"heartbeat\",\"host\":{\"n\":%d}}\n", i);
		fputs(line, stdout);
	}
	fflush(stdout);
	fclose(fopen(getenv("FLOOD_DONE"), "w"));
	while (getchar() != EOF)
		;
	return 0;
}

/* A link whose "ssh" is this binary (a link in the test's PATH), as fake_ssh* says; key names the marker. */
struct fake {
	char dir[64];
	char *bin, *ssh, *path, *done;
	const char *key;
	struct config cfg;
};

static struct hostlink *fake_link(struct fake *f, const char *key, const char *name)
{
	char self[4096];
	struct host h = { .name = (char *)name, .ssh = (char *)name };
	struct hostlink *hl;
	struct stat st;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	assert_true(n > 0);
	self[n] = '\0';
	memset(f, 0, sizeof *f);
	assert_int_equal(scratch_make(f->dir, sizeof f->dir, "test_hostlink"), 0);
	f->bin = xasprintf("%s/bin", f->dir);
	f->ssh = xasprintf("%s/ssh", f->bin);
	f->done = xasprintf("%s/done", f->dir);
	assert_int_equal(mkdir(f->bin, 0700), 0);
	assert_int_equal(symlink(self, f->ssh), 0);
	f->path = xasprintf("%s:%s", f->bin, getenv("PATH"));
	setenv("PATH", f->path, 1);
	f->key = key;
	setenv(key, f->done, 1);
	f->cfg.state_dir = f->dir;
	f->cfg.heartbeat = 600;
	hl = hostlink_new(&f->cfg, &h);
	for (int i = 0; i < 500 && stat(f->done, &st) < 0; i++)
		usleep(10000);
	assert_int_equal(stat(f->done, &st), 0);
	return hl;
}

static void fake_end(struct fake *f, struct hostlink *hl)
{
	hostlink_free(hl);
	unsetenv(f->key);
	scratch_remove(f->dir);
	free(f->path);
	free(f->done);
	free(f->ssh);
	free(f->bin);
}

/* One turn takes a bounded share of what a host sent: a flood never holds the console's loop. */
static void test_flood_is_bounded(void **state)
{
	struct fake f;
	struct hostlink *hl = fake_link(&f, "FLOOD_DONE", "flood");
	int turns = 0;

	hostlink_process(hl, POLLIN);
	assert_true(json_integer_value(json_object_get(hostlink_facts(hl), "n")) < FLOOD_LINES);
	while (turns++ < 100 &&
	       json_integer_value(json_object_get(hostlink_facts(hl), "n")) < FLOOD_LINES)
		hostlink_process(hl, POLLIN);
	assert_int_equal(json_integer_value(json_object_get(hostlink_facts(hl), "n")),
			 FLOOD_LINES);  /* and the next turns take the rest */
	assert_int_equal(hostlink_state(hl), HL_UP);
	fake_end(&f, hl);
}

/* As "ssh" with JOB_LINES set: a full status, job lines, a line of a type yet unknown, then a marker. */
static int fake_ssh_jobs(void)
{
	printf("{\"type\":\"full\",\"protocol\":1,\"heartbeat\":600,\"guests\":"
	       "[{\"name\":\"web\",\"state\":\"stopped\",\"job\":null}]}\n"
	       "{\"type\":\"job\",\"name\":\"web\",\"job\":{\"verb\":\"backup\","
	       "\"pid\":7,\"by\":\"backup timer\",\"phase\":\"backup\",\"percent\":42}}\n"
	       "{\"type\":\"job\",\"name\":\"nobody\",\"job\":{\"verb\":\"restore\"}}\n"
	       "{\"type\":\"job\",\"name\":\"web\",\"job\":{\"percent\":50}}\n"
	       "{\"type\":\"from-the-future\",\"name\":\"web\"}\n"
	       "{\"type\":\"guest\",\"guest\":{\"name\":\"web\",\"state\":\"stopped\"}}\n");
	fflush(stdout);
	fclose(fopen(getenv("JOB_LINES"), "w"));
	while (getchar() != EOF)
		;
	return 0;
}

/*
 * A host's job lines: the job kept in its guest's object (a guest line without "job" keeps it),
 * one for an unknown guest or without a verb dropped, a line of an unknown type skipped.
 */
static void test_job_lines(void **state)
{
	struct fake f;
	struct hostlink *hl = fake_link(&f, "JOB_LINES", "kvm2");
	struct jobfile_info info;

	hostlink_process(hl, POLLIN);
	assert_int_equal(hostlink_state(hl), HL_UP);
	assert_int_equal(json_array_size(hostlink_guests(hl)), 1);
	assert_int_equal(hostlink_guest_job(json_array_get(hostlink_guests(hl), 0), &info), 1);
	assert_string_equal(info.verb, "backup");
	assert_string_equal(info.by, "backup timer");
	assert_int_equal(info.percent, 42);
	fake_end(&f, hl);
}

static void test_unreachable_state_name(void **state)
{
	assert_string_equal(vmstate_name(VM_UNREACHABLE), "unreachable");
}

int main(int argc, char **argv)
{
	if (strcmp(path_base(argv[0]), "ssh") == 0)
		return getenv("JOB_LINES") ? fake_ssh_jobs() : fake_ssh();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_round_trip),
		cmocka_unit_test(test_unknown_state_is_not_trusted),
		cmocka_unit_test(test_c1_controls_are_not_trusted),
		cmocka_unit_test(test_flood_is_bounded),
		cmocka_unit_test(test_job_lines),
		cmocka_unit_test(test_unreachable_state_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
