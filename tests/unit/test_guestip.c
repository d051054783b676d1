/* test_guestip.c: reading a guest's addresses out of the agent's interface list and the host's /proc/net/arp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "guestip.h"

static struct vm_nic nic = { .mac = (char *)"52:54:00:aa:bb:cc" };
static struct vmdef def = { .name = (char *)"g", .nics = &nic, .n_nics = 1 };

static const char agent_answer[] =
	"[{\"name\":\"lo\",\"hardware-address\":\"00:00:00:00:00:00\",\"ip-addresses\":["
	"{\"ip-address-type\":\"ipv4\",\"ip-address\":\"127.0.0.1\",\"prefix\":8},"
	"{\"ip-address-type\":\"ipv6\",\"ip-address\":\"::1\",\"prefix\":128}]},"
	"{\"name\":\"eth0\",\"hardware-address\":\"52:54:00:AA:BB:CC\",\"ip-addresses\":["
	"{\"ip-address-type\":\"ipv4\",\"ip-address\":\"10.0.2.15\",\"prefix\":24},"
	"{\"ip-address-type\":\"ipv6\",\"ip-address\":\"fe80::5054:ff:feaa:bbcc\",\"prefix\":64},"
	"{\"ip-address-type\":\"ipv6\",\"ip-address\":\"fd00::15\",\"prefix\":64}]},"
	"{\"name\":\"docker0\",\"hardware-address\":\"02:42:00:00:00:01\",\"ip-addresses\":["
	"{\"ip-address-type\":\"ipv4\",\"ip-address\":\"172.17.0.1\",\"prefix\":16}]}]";

/* The NIC's interface only (MAC matched whatever its case), without loopback and link-local. */
static void test_agent_matching_mac(void **state)
{
	struct strv out = { 0 };

	guestip_from_agent(agent_answer, &def, &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "10.0.2.15");
	assert_string_equal(out.v[1], "fd00::15");
	strv_free(&out);
}

/* No interface with the definition's MAC (a guest that changed it): every interface's addresses. */
static void test_agent_no_match(void **state)
{
	struct vm_nic other = { .mac = (char *)"52:54:00:00:00:01" };
	struct vmdef d2 = { .name = (char *)"g", .nics = &other, .n_nics = 1 };
	struct strv out = { 0 };

	guestip_from_agent(agent_answer, &d2, &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[2], "172.17.0.1");
	strv_free(&out);
}

/* Hostile or broken answers give nothing, never a crash. */
static void test_agent_garbage(void **state)
{
	struct strv out = { 0 };

	guestip_from_agent("{\"not\": \"an array\"}", &def, &out);
	guestip_from_agent("[1, \"x\", {\"ip-addresses\": 5}, {\"ip-addresses\": [{\"ip-address\": 7}]}]", &def, &out);
	guestip_from_agent("not json", &def, &out);
	/* the guest's words reach terminals and other hosts: only real addresses pass */
	guestip_from_agent("[{\"ip-addresses\": [{\"ip-address\": \"\\u001b]0;owned\\u0007\"},"
			   " {\"ip-address\": \"10.0.0.1\\u001b[2J\"}, {\"ip-address\": \"x\"}]}]",
			   &def, &out);
	assert_int_equal(out.n, 0);
	strv_free(&out);
}

static void test_arp(void **state)
{
	const char arp[] =
		"IP address       HW type     Flags       HW address            Mask     Device\n"
		"192.168.77.15    0x1         0x2         52:54:00:aa:bb:cc     *        br0\n"
		"192.168.77.16    0x1         0x0         52:54:00:aa:bb:cc     *        br0\n"  /* incomplete */
		"192.168.77.20    0x1         0x2         52:54:00:aa:bb:cd     *        br0\n"
		"192.168.77.21    0x1         0x6         52:54:00:AA:BB:CC     *        br0\n";
	struct strv out = { 0 };

	guestip_from_arp(arp, "52:54:00:aa:bb:cc", &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "192.168.77.15");
	assert_string_equal(out.v[1], "192.168.77.21");
	strv_free(&out);
	guestip_from_arp("", "52:54:00:aa:bb:cc", &out);
	guestip_from_arp("header only", "52:54:00:aa:bb:cc", &out);
	assert_int_equal(out.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_matching_mac),
		cmocka_unit_test(test_agent_no_match),
		cmocka_unit_test(test_agent_garbage),
		cmocka_unit_test(test_arp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
