/*
 * guestip.c: a running guest's IP addresses: from its guest agent, the host's neighbour table, or
 * QEMU's user-net DHCP.
 */
#include "guestip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmstate.h"

#define AGENT_REPLY_MAX (256 * 1024)  /* a guest with many interfaces still answers in far less */
#define USERNET_DHCP_FIRST "10.0.2.15"

static bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static void strv_add_once(struct strv *sv, const char *s)
{
	if (!strv_has(sv, s))
		strv_add(sv, s);
}

/* ---- the guest agent ---- */

/* A real address (the guest's words reach terminals, other hosts), not loopback or link-local. */
static bool addr_wanted(const char *a)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
		return false;
	return strncmp(a, "127.", 4) != 0 && strcmp(a, "::1") != 0 &&
	       strncasecmp(a, "fe80:", 5) != 0;
}

static bool nic_mac(const struct vmdef *def, const char *mac)
{
	for (size_t i = 0; mac && i < def->n_nics; i++)
		if (def->nics[i].mac && strcasecmp(def->nics[i].mac, mac) == 0)
			return true;
	return false;
}

static void iface_addrs(json_t *iface, struct strv *out)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(iface, "ip-addresses"), i, a) {
		const char *s = json_string_value(json_object_get(a, "ip-address"));

		if (s && strlen(s) < 64 && addr_wanted(s))
			strv_add_once(out, s);
	}
}

void guestip_from_agent(const char *json, const struct vmdef *def, struct strv *out)
{
	json_t *arr = json_loads(json, 0, NULL), *iface;
	bool matched = false;
	size_t i;

	json_array_foreach(arr, i, iface)
		if (nic_mac(def, json_string_value(json_object_get(iface, "hardware-address")))) {
			iface_addrs(iface, out);
			matched = true;
		}
	if (!matched)
		json_array_foreach(arr, i, iface)
			iface_addrs(iface, out);
	json_decref(arr);
}

static int agent_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The "return" of the reply line carrying want (the sync id), or of the first reply after it; NULL
 * at the deadline.
 */
static json_t *agent_read(int fd, struct sbuf *b, int64_t deadline, json_int_t sync_id,
			  bool *synced)
{
	char chunk[4096], *nl;

	for (;;) {
		while (b->s && (nl = memchr(b->s, '\n', b->len)) != NULL) {
			json_t *msg = json_loadb(b->s, (size_t)(nl - b->s), 0, NULL),
			       *ret = json_object_get(msg, "return");

			b->len -= (size_t)(nl + 1 - b->s);
			memmove(b->s, nl + 1, b->len + 1);
			if (*synced && ret) {
				json_incref(ret);
				json_decref(msg);
				return ret;
			}
			if (json_integer_value(ret) == sync_id)
				*synced = true;
			json_decref(msg);
		}
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(deadline - now_ms());
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return NULL;
		if ((n = read(fd, chunk, sizeof chunk)) <= 0 ||
		    b->len + (size_t)n > AGENT_REPLY_MAX)
			return NULL;
		sbuf_addn(b, chunk, (size_t)n);
	}
}

/* The interfaces as JSON text, allocated; NULL when the agent did not answer in time. */
static char *agent_interfaces(const struct config *cfg, const char *name, int timeout_ms)
{
	char *path = vmstate_path(cfg, name, "qga.sock"), *cmd, *text = NULL;
	json_int_t id = (json_int_t)(now_ms() & 0x7fffffff) ^ getpid();
	int fd = agent_connect(path);
	struct sbuf b = { 0 };
	bool synced = false;
	json_t *ret;

	free(path);
	if (fd < 0)
		return NULL;
	/* a sync first: what an earlier client left unread is skipped up to its answer */
	cmd = xasprintf("{\"execute\":\"guest-sync\",\"arguments\":{\"id\":%lld}}\n"
			"{\"execute\":\"guest-network-get-interfaces\"}\n", (long long)id);
	if (write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd)) {
		ret = agent_read(fd, &b, now_ms() + timeout_ms, id, &synced);
		if (json_is_array(ret))
			text = json_dumps(ret, JSON_COMPACT);
		json_decref(ret);
	}
	free(cmd);
	sbuf_free(&b);
	close(fd);
	return text;
}

/* ---- the cache: "PID TIME\n" then one address a line ---- */

static bool cache_read(const char *path, pid_t pid, struct strv *out)
{
	char *text = file_read_max(path, 16384, O_NOFOLLOW, NULL, NULL), *body, *line, *save = NULL;
	struct strv got = { 0 };
	long cpid = 0;
	double when = 0, age;
	bool ok;

	if (!text)
		return false;
	body = strchr(text, '\n');
	for (line = body ? strtok_r(body + 1, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strlen(line) < 64)
			strv_add_once(&got, line);
	age = now_real() - (sscanf(text, "%ld %lf", &cpid, &when) == 2 ? when : 0);
	/* "no address yet" is asked again sooner: a guest that just booted is about to get one */
	ok = cpid == pid && age >= 0 && age < (got.n ? GUESTIP_CACHE_S : GUESTIP_CACHE_EMPTY_S);
	for (size_t i = 0; ok && i < got.n; i++)
		strv_add_once(out, got.v[i]);
	strv_free(&got);
	free(text);
	return ok;
}

static void cache_write(const char *path, pid_t pid, const struct strv *addrs)
{
	struct sbuf b = { 0 };

	sbuf_printf(&b, "%ld %.0f\n", (long)pid, now_real());
	for (size_t i = 0; i < addrs->n; i++)
		sbuf_printf(&b, "%s\n", addrs->v[i]);
	file_write_atomic(path, b.s, b.len, 0600, NULL);
	sbuf_free(&b);
}

/* true when the agent answered (now or within the cache's life), whether or not it had addresses */
static bool from_agent_cached(const struct config *cfg, const struct vmdef *def, pid_t pid, int ms,
			      struct strv *out)
{
	char *path = vmstate_path(cfg, def->name, "ip.cache"), *json = NULL;
	struct strv got = { 0 };
	bool answered = cache_read(path, pid, out);

	if (!answered && ms > 0 && (json = agent_interfaces(cfg, def->name, ms)) != NULL) {
		answered = true;
		guestip_from_agent(json, def, &got);
		cache_write(path, pid, &got);
		for (size_t i = 0; i < got.n; i++)
			strv_add_once(out, got.v[i]);
		strv_free(&got);
		free(json);
	}
	free(path);
	return answered;
}

/* ---- the neighbour table ---- */

void guestip_from_arp(const char *text, const char *mac, struct strv *out)
{
	const char *line = strchr(text, '\n');  /* the header row */

	while (line && *++line) {
		char ip[64], hw[32], dev[32];
		unsigned type, flags;

		/* IP address, HW type, Flags, HW address, Mask, Device; flags 0x2: complete */
		if (sscanf(line, "%63s 0x%x 0x%x %31s %*s %31s", ip, &type, &flags, hw, dev) == 5 &&
		    (flags & 0x2) && strcasecmp(hw, mac) == 0)
			strv_add_once(out, ip);
		line = strchr(line, '\n');
	}
}

void guestip_get(const struct config *cfg, const struct vmdef *def, pid_t pid, int agent_ms,
		 struct strv *out)
{
	char *arp = NULL;
	bool agent = false;

	if (pid <= 0)
		return;
	if (def->guest_agent)
		agent = from_agent_cached(cfg, def, pid, agent_ms, out);
	for (size_t i = 0; i < def->n_nics; i++) {
		const struct vm_nic *n = &def->nics[i];

		if (!n->bridge) {
			/* an agent that answered knows better than the DHCP server's first lease */
			if (!agent)
				strv_add_once(out, USERNET_DHCP_FIRST);
		} else if (n->mac) {
			if (!arp)
				arp = file_read_max("/proc/net/arp", 1024 * 1024, 0, NULL, NULL);
			if (arp)
				guestip_from_arp(arp, n->mac, out);
		}
	}
	free(arp);
}
