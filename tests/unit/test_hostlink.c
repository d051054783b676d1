/* test_hostlink.c: another host's guest object (list --json's shape) becomes the console's model and back, unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_status.h"
#include "hostlink.h"
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

static void test_unreachable_state_name(void **state)
{
	assert_string_equal(vmstate_name(VM_UNREACHABLE), "unreachable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_round_trip),
		cmocka_unit_test(test_unknown_state_is_not_trusted),
		cmocka_unit_test(test_c1_controls_are_not_trusted),
		cmocka_unit_test(test_unreachable_state_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
