/* test_events.c: the persisted event log: appending, kinds, old lines, trimming, torn and garbage lines, and the rule that decides a change was already logged. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "events.h"
#include "guestfile.h"
#include "scratch.h"
#include "util.h"
#include "vmstate.h"

static char tmpdir[64];
static struct config cfg;

static int setup(void **state)
{
	if (scratch_make(tmpdir, sizeof tmpdir, "test_events") < 0)
		return -1;
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = tmpdir;
	return 0;
}

static int teardown(void **state)
{
	scratch_remove(tmpdir);
	return 0;
}

static char *log_file(void)
{
	return vmstate_path(&cfg, "g1", "events.log");
}

static void write_raw(const char *text)
{
	char *p = log_file();

	assert_int_equal(vmstate_dir_prepare(&cfg, "g1", NULL), 0);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600, NULL), 0);
	free(p);
}

static void test_append_and_read(void **state)
{
	struct events_entry ev[4];
	time_t t0 = time(NULL), t1;
	struct stat st;
	char *p = log_file();

	assert_int_equal(events_recent(&cfg, "g1", 4, ev), 0); /* no log yet */
	assert_true(events_stamp(&cfg, "g1") == 0);
	assert_int_equal(events_log(&cfg, "g1", EV_START, "started from CD %s", "x.iso"), 0);
	assert_int_equal(events_log(&cfg, "g1", EV_PAUSE, "paused"), 0);
	t1 = time(NULL);
	assert_int_equal(events_recent(&cfg, "g1", 4, ev), 2);
	assert_string_equal(ev[0].text, "started from CD x.iso");
	assert_string_equal(ev[1].text, "paused");
	assert_int_equal(ev[0].kind, EV_START);
	assert_int_equal(ev[1].kind, EV_PAUSE);
	assert_true(ev[0].when >= t0 && ev[1].when <= t1);
	events_free(ev, 2);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(p);
	p = vmstate_path(&cfg, "g1", NULL);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	assert_int_equal(events_log(&cfg, "../x", EV_NOTE, "bad name"), -1);
}

static void test_newest_n_in_order(void **state)
{
	struct events_entry ev[3];
	uint64_t before;

	for (int i = 0; i < 10; i++)
		assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "event %d", i), 0);
	before = events_stamp(&cfg, "g1");
	assert_true(before != 0);
	assert_int_equal(events_recent(&cfg, "g1", 3, ev), 3);
	assert_string_equal(ev[0].text, "event 7");
	assert_string_equal(ev[2].text, "event 9");
	events_free(ev, 3);
	events_log(&cfg, "g1", EV_NOTE, "one more");
	assert_true(events_stamp(&cfg, "g1") != before);
}

static void test_text_made_one_line(void **state)
{
	struct events_entry ev[2];
	char *p = log_file(), *text;

	assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "a\nb\tc\rd"), 0);
	assert_int_equal(events_recent(&cfg, "g1", 2, ev), 1);
	assert_string_equal(ev[0].text, "a b c d");
	events_free(ev, 1);
	text = file_read(p, NULL, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\ta b c d\n"));
	assert_int_equal(strchr(text, '\n')[1], '\0'); /* exactly one line */
	free(text);
	free(p);
}

static void test_garbage_and_torn_lines_skipped(void **state)
{
	struct events_entry ev[8];

	write_raw("100\tfirst\n"
		  "garbage without a tab\n"
		  "12x\tnot a time\n"
		  "\tno time\n"
		  "200\t\n"
		  "300\tsecond\n"
		  "400\tcut off in the midd");
	assert_int_equal(events_recent(&cfg, "g1", 8, ev), 2);
	assert_int_equal(ev[0].when, 100);
	assert_string_equal(ev[0].text, "first");
	assert_string_equal(ev[1].text, "second");
	events_free(ev, 2);
	/* the next event does not join the torn line */
	assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "after the tear"), 0);
	assert_int_equal(events_recent(&cfg, "g1", 8, ev), 3);
	assert_string_equal(ev[2].text, "after the tear");
	events_free(ev, 3);
}

static void test_trimmed_to_newest_lines(void **state)
{
	enum { N = 600 };
	struct events_entry *ev = xcalloc(N, sizeof *ev);
	char pad[201];
	struct stat st;
	char *p = log_file();
	size_t got;

	memset(pad, 'x', 200);
	pad[200] = 0;
	for (int i = 0; i < N; i++)
		assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "event %d %s", i, pad), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size <= EVENTS_TRIM_AT + 300);
	assert_int_equal(st.st_mode & 07777, 0600);
	got = events_recent(&cfg, "g1", N, ev);
	assert_true(got >= EVENTS_KEEP && got < N);
	for (size_t k = 0; k < got; k++) { /* the newest, in order, none lost at a trim */
		char want[32];

		snprintf(want, sizeof want, "event %zu ", N - got + k);
		assert_true(strncmp(ev[k].text, want, strlen(want)) == 0);
	}
	events_free(ev, got);
	free(ev);
	free(p);
}

/* Writers in several processes at once: every line arrives whole. */
static void test_concurrent_writers(void **state)
{
	enum { KIDS = 4, EACH = 100 };
	struct events_entry *ev = xcalloc(KIDS * EACH + 1, sizeof *ev);
	int seen[KIDS] = { 0 };
	size_t got;

	for (int k = 0; k < KIDS; k++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			for (int i = 0; i < EACH; i++)
				events_log(&cfg, "g1", EV_NOTE, "writer %d line %d", k, i);
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++)
		wait(NULL);
	got = events_recent(&cfg, "g1", KIDS * EACH + 1, ev);
	assert_int_equal(got, KIDS * EACH);
	for (size_t i = 0; i < got; i++) {
		int w, l;

		assert_int_equal(sscanf(ev[i].text, "writer %d line %d", &w, &l), 2);
		assert_true(w >= 0 && w < KIDS);
		assert_int_equal(l, seen[w]++); /* each writer's lines in its own order */
	}
	events_free(ev, got);
	free(ev);
}

/* How many of g1's archived logs contain text; *n gets how many archives there are. */
static int archives_holding(const char *text, int *n)
{
	char *dir = vmstate_path(&cfg, "g1", "");
	DIR *d = opendir(dir);
	struct dirent *e;
	int holding = 0;

	*n = 0;
	while (d && (e = readdir(d)) != NULL) {
		char *full;
		struct sbuf b = { 0 };
		int fd;

		if (strncmp(e->d_name, "events.log.deleted-", 19) != 0)
			continue;
		(*n)++;
		full = path_join(dir, e->d_name);
		if ((fd = open(full, O_RDONLY)) >= 0 && fd_read_all(fd, &b) == 0 && b.len && strstr(b.s, text))
			holding++;
		if (fd >= 0)
			close(fd);
		sbuf_free(&b);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
	return holding;
}

/* A deleted guest's log is set aside whole (0600): a new guest of that name starts with none. */
static void test_delete_archives_log(void **state)
{
	char *vms = xasprintf("%s/vms.d", tmpdir), *yaml = xasprintf("%s/g1.yaml", vms), *arch = NULL;
	struct vmdef def = { 0 };
	struct events_entry ev[4];
	struct stat st;
	int n;

	assert_int_equal(mkdir(vms, 0700), 0);
	cfg.vms_dir = vms;
	assert_int_equal(file_write_atomic(yaml, "memory: 256M\n", 13, 0600, NULL), 0);
	assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "old life"), 0);
	def.name = xstrdup("g1");
	def.path = xstrdup(yaml);
	assert_int_equal(guestfile_delete(&cfg, &def, NULL), 0);
	assert_int_equal(events_recent(&cfg, "g1", 4, ev), 0);
	assert_int_equal(events_log(&cfg, "g1", EV_NOTE, "new life"), 0);
	assert_int_equal(events_recent(&cfg, "g1", 4, ev), 1);
	assert_string_equal(ev[0].text, "new life");
	events_free(ev, 1);
	/* a second delete within the same second keeps both archives */
	assert_int_equal(events_archive(&cfg, "g1", &arch, NULL), 0);
	assert_non_null(strstr(arch, "/g1/events.log.deleted-"));
	assert_int_equal(stat(arch, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(arch);
	assert_int_equal(events_archive(&cfg, "g1", &arch, NULL), 0);
	assert_null(arch); /* no log: nothing to do */
	vmdef_free(&def);
	/* both archives are there; one holds the old life and its deletion */
	assert_int_equal(archives_holding("old life\n", &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(archives_holding("definition deleted (disks kept)\n", &n), 1);
	free(yaml);
	free(vms);
}

/* Each line says its kind as a word; the text stays what people read. */
static void test_kind_written_and_read(void **state)
{
	struct events_entry ev[2];
	char *p = log_file(), *text;

	assert_int_equal(events_log(&cfg, "g1", EV_STOP_ACPI, "powered off by ACPI after %.1f s", 4.2), 0);
	text = file_read(p, NULL, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\tstop.acpi\tpowered off by ACPI after 4.2 s\n"));
	assert_true(text[0] >= '1' && text[0] <= '9');
	free(text);
	assert_int_equal(events_recent(&cfg, "g1", 2, ev), 1);
	assert_int_equal(ev[0].kind, EV_STOP_ACPI);
	assert_null(ev[0].actor);
	assert_string_equal(ev[0].text, "powered off by ACPI after 4.2 s");
	events_free(ev, 1);
	free(p);
}

/* Who did it goes in a by= field between kind and text, on one line like the text. */
static void test_actor_field(void **state)
{
	struct events_entry ev[2];
	char *p = log_file(), *text;

	assert_int_equal(events_write(&cfg, "g1", EV_KILL, "root from\t10.0.0.5\n", "forced off (SIGKILL)"), 0);
	text = file_read(p, NULL, NULL);
	assert_non_null(strstr(text, "\tkill\tby=root from 10.0.0.5 \tforced off (SIGKILL)\n"));
	free(text);
	assert_int_equal(events_recent(&cfg, "g1", 2, ev), 1);
	assert_int_equal(ev[0].kind, EV_KILL);
	assert_string_equal(ev[0].actor, "root from 10.0.0.5 ");
	assert_string_equal(ev[0].text, "forced off (SIGKILL)");
	events_free(ev, 1);
	free(p);
}

/* Lines from before kinds, and from a newer vmdeck, are read; a malformed middle is garbage. */
static void test_old_and_newer_lines(void **state)
{
	struct events_entry ev[8];

	write_raw("100\tpowered off by ACPI after 3.0 s\n"
		  "200\tkill\tforced off (SIGKILL)\n"
		  "300\tsnapshot.take\tby=ann\tlayer=2\ttaken: before-upgrade\n"
		  "400\tBad Kind\ttext\n"
		  "500\tstart\tno key value\tstarted\n"
		  "600\tstart\t=x\tstarted\n"
		  "700\tstart\tstarted with a = in its text\n"
		  "800\tstart\tcut off in the midd");
	assert_int_equal(events_recent(&cfg, "g1", 8, ev), 4);
	assert_int_equal(ev[0].kind, EV_LEGACY);
	assert_string_equal(ev[0].text, "powered off by ACPI after 3.0 s");
	assert_int_equal(ev[1].kind, EV_KILL);
	assert_int_equal(ev[2].kind, EV_UNKNOWN);
	assert_string_equal(ev[2].actor, "ann");
	assert_string_equal(ev[2].text, "taken: before-upgrade");
	assert_int_equal(ev[3].when, 700);
	assert_string_equal(ev[3].text, "started with a = in its text");
	events_free(ev, 4);
	/* the torn new-style line stays garbage once the next event ends it */
	assert_int_equal(events_log(&cfg, "g1", EV_START, "started"), 0);
	assert_int_equal(events_recent(&cfg, "g1", 8, ev), 5);
	assert_int_equal(ev[4].kind, EV_START);
	assert_int_equal(ev[3].when, 700);
	events_free(ev, 5);
}

/* Every kind has its own word, and reads back as itself. */
static void test_kind_names(void **state)
{
	for (int k = EV_NOTE; k < EV_KIND_COUNT; k++) {
		const char *name = events_kind_name((enum events_kind)k);

		assert_non_null(name);
		assert_int_equal(events_kind_parse(name), k);
		for (int j = 0; j < k; j++)
			assert_string_not_equal(name, events_kind_name((enum events_kind)j));
	}
	assert_int_equal(events_kind_parse("legacy"), EV_UNKNOWN); /* never written, so never read */
	assert_int_equal(events_kind_parse("no.such"), EV_UNKNOWN);
	assert_string_equal(events_kind_name(EV_KIND_COUNT), "unknown");
	assert_int_equal(events_kind_seen(VM_CRASHED), EV_SEEN_CRASHED);
	assert_int_equal(events_kind_seen(VM_SHUTTING_DOWN), EV_SEEN_SHUTTING_DOWN);
	assert_int_equal(events_kind_seen(VM_STARTING), EV_NOTE);
}

static struct events_entry entry(time_t when, enum events_kind kind, const char *text)
{
	struct events_entry e = { .when = when, .kind = kind, .text = (char *)text };

	return e;
}

/* The kind explains a change, whatever the words: a reworded message is still the same event. */
static void test_explains_by_kind(void **state)
{
	struct events_entry e;

	e = entry(1000, EV_STOP_ACPI, "switched off by the guest itself");
	assert_true(events_explains(&e, VM_STOPPED, 1001));
	assert_false(events_explains(&e, VM_RUNNING, 1001));
	e = entry(1000, EV_NOTE, "powered off by ACPI"); /* the words alone no longer count */
	assert_false(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_STOP_TIMEOUT, "did not power off in 1 s: ended with quit");
	assert_true(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_STOP_REFUSED, "x");
	assert_true(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_KILL, "x");
	assert_true(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_START_FAIL, "x");
	assert_true(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_STOP_FAIL, "x"); /* a stop that failed leaves it running */
	assert_false(events_explains(&e, VM_STOPPED, 1001));
	e = entry(1000, EV_START, "x");
	assert_true(events_explains(&e, VM_RUNNING, 1001));
	e = entry(1000, EV_RESUME, "x");
	assert_true(events_explains(&e, VM_RUNNING, 1001));
	e = entry(1000, EV_RESET, "x");
	assert_true(events_explains(&e, VM_RUNNING, 1001));
	e = entry(1000, EV_PAUSE, "x");
	assert_true(events_explains(&e, VM_PAUSED, 1001));
	e = entry(1000, EV_STOP_BUTTON, "x");
	assert_true(events_explains(&e, VM_SHUTTING_DOWN, 1001));
	/* a crash or a hang has no verb: only another console's observation explains it */
	e = entry(1000, EV_SEEN_CRASHED, "crashed: QEMU ended");
	assert_true(events_explains(&e, VM_CRASHED, 1001));
	e = entry(1000, EV_KILL, "x");
	assert_false(events_explains(&e, VM_CRASHED, 1001));
	e = entry(1000, EV_SEEN_UNRESPONSIVE, "x");
	assert_true(events_explains(&e, VM_UNRESPONSIVE, 1001));
	e = entry(1000, EV_UNKNOWN, "stopped");
	assert_false(events_explains(&e, VM_STOPPED, 1001));
	/* too old for this change */
	e = entry(1000, EV_STOP_ACPI, "x");
	assert_true(events_explains(&e, VM_STOPPED, 1000 + EVENTS_EXPLAIN_WINDOW));
	assert_false(events_explains(&e, VM_STOPPED, 1000 + EVENTS_EXPLAIN_WINDOW + 1));
}

/* Old lines explain by their opening words, as the console judged them before kinds. */
static void test_explains_old_lines(void **state)
{
	static const struct {
		const char *text;
		enum vm_state state;
		bool explains;
	} cases[] = {
		{ "powered off by ACPI after 2.0 s", VM_STOPPED, true },
		{ "did not power off in 1 s: ended with quit", VM_STOPPED, true },
		{ "the power button was not taken: ended with quit", VM_STOPPED, true },
		{ "forced off (QMP quit)", VM_STOPPED, true },
		{ "stopped on its own (powered off inside, or QEMU ended)", VM_STOPPED, true },
		{ "start failed: ISO not found: x.iso", VM_STOPPED, true },
		{ "stop failed: QEMU did not end", VM_STOPPED, false },
		{ "started with CD one.iso", VM_RUNNING, true },
		{ "resumed", VM_RUNNING, true },
		{ "paused", VM_PAUSED, true },
		{ "paused", VM_RUNNING, false },
		{ "stopping: ACPI power button pressed, waiting up to 30 s", VM_SHUTTING_DOWN, true },
		{ "crashed: QEMU ended", VM_CRASHED, true },
		{ "CD ejected", VM_STOPPED, false },
	};

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct events_entry e = entry(1000, EV_LEGACY, cases[k].text);

		if (events_explains(&e, cases[k].state, 1002) != cases[k].explains)
			fail_msg("'%s' for %s: expected %d", cases[k].text, vmstate_name(cases[k].state),
				 cases[k].explains);
	}
}

/* The console's question, asked of the log: only the newest lines, only recent ones. */
static void test_already_logged(void **state)
{
	char *raw = xasprintf("%d\tpowered off by ACPI after 3.0 s\n"
			      "%d\tpause\tpaused\n"
			      "%d\tcdrom\tCD ejected\n",
			      1000, 1004, 1005);

	write_raw(raw);
	assert_true(events_already_logged(&cfg, "g1", VM_STOPPED, 1006));   /* the old line, in the window */
	assert_false(events_already_logged(&cfg, "g1", VM_STOPPED, 1011));  /* too old by then */
	assert_true(events_already_logged(&cfg, "g1", VM_PAUSED, 1006));
	assert_false(events_already_logged(&cfg, "g1", VM_CRASHED, 1006));
	assert_false(events_already_logged(&cfg, "g2", VM_STOPPED, 1006));  /* no log at all */
	free(raw);
	/* lines pushed out of the newest EVENTS_EXPLAIN_LINES no longer count */
	for (int k = 0; k < EVENTS_EXPLAIN_LINES; k++)
		assert_int_equal(events_log(&cfg, "g1", EV_CDROM_NEXT, "CD removed for the next start"), 0);
	assert_false(events_already_logged(&cfg, "g1", VM_PAUSED, 1006));
	assert_int_equal(events_log(&cfg, "g1", EV_SEEN_CRASHED, "crashed: QEMU ended"), 0);
	assert_true(events_already_logged(&cfg, "g1", VM_CRASHED, (double)time(NULL)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newest_n_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_made_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_and_torn_lines_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trimmed_to_newest_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_archives_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_written_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_actor_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_and_newer_lines, setup, teardown),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_explains_by_kind),
		cmocka_unit_test(test_explains_old_lines),
		cmocka_unit_test_setup_teardown(test_already_logged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
