/* test_options.c — option checking in the kernel layer: values a request
 * could never carry are refused before any request is sent, with a line
 * that names the value. The namespace handles here are never used (no
 * socket, no fd), which proves nothing was sent. */
#include "link.h"
#include "shape.h"
#include "sysctl.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static struct nsl_err e;
static struct nsl_ns none = { .name = "t.none", .fd = -1, .sk = NULL };

static void refused(int rc, int want, const char *text, const char *what)
{
	TAP_CHECK(rc == -want && strstr(e.msg, text), e.msg, "%s: %s", what, e.msg);
}

int main(void)
{
	struct nsl_vxlan_opts vx = { .id = 16777216, .remote = "10.0.0.2" };
	struct nsl_veth_opts vo = { .mac_a = "02:00:00:00:00" };
	struct nsl_shape sh = { 0 };
	char val[32];
	int idx;

	refused(nsl_link_vxlan(&none, &none, "vx0", &vx, &idx, &e), EINVAL,
		"16777216 is out of range", "vxlan id above 2^24-1");
	vx.id = 7;
	vx.remote = "not-an-address";
	refused(nsl_link_vxlan(&none, &none, "vx0", &vx, &idx, &e), EINVAL,
		"bad vxlan remote address \"not-an-address\"", "vxlan remote");
	vx.remote = "10.0.0.2";
	vx.local = "10.0.0.300";
	refused(nsl_link_vxlan(&none, &none, "vx0", &vx, &idx, &e), EINVAL,
		"bad vxlan local address", "vxlan local");
	refused(nsl_link_vlan(&none, 2, &none, "v0", 0, &idx, &e), EINVAL,
		"vlan id 0 is out of range 1-4094", "vlan id 0");
	refused(nsl_link_vlan(&none, 2, &none, "v0", 4095, &idx, &e), EINVAL,
		"vlan id 4095 is out of range", "vlan id 4095");
	refused(nsl_link_macvlan(&none, 2, &none, "m0", "sideways", &idx, &e), EINVAL,
		"macvlan mode \"sideways\"", "macvlan mode");
	refused(nsl_link_veth(&none, "a", &none, "b", &vo, &idx, &idx, &e), EINVAL,
		"bad MAC address \"02:00:00:00:00\"", "a MAC of five bytes");
	vo.mac_a = NULL;
	vo.mac_b = "zz:00:00:00:00:01";
	refused(nsl_link_veth(&none, "a", &none, "b", &vo, &idx, &idx, &e), EINVAL,
		"bad MAC address \"zz", "a MAC that is no hex");
	refused(nsl_link_missing("wireguard", &e), EOPNOTSUPP,
		"wireguard links need the kernel's wireguard module", "a missing kind names its module");
	refused(nsl_shape_set(&none, 2, "eth0", &sh, NULL, &e), EINVAL,
		"no rate, delay, jitter, loss or duplicate", "shaping with nothing to do");
	sh.rate = 1ULL << 33;
	refused(nsl_shape_set(&none, 2, "eth0", &sh, NULL, &e), ERANGE,
		"tbf takes at most", "a rate tbf cannot hold");
	refused(nsl_sysctl_get(&none, "../../etc/passwd", val, sizeof val, &e), EINVAL,
		"bad sysctl name", "a sysctl key that climbs out of /proc/sys");
	refused(nsl_sysctl_get(&none, "/net/ipv4/ip_forward", val, sizeof val, &e), EINVAL,
		"bad sysctl name", "an absolute sysctl key");
	refused(nsl_sysctl_set(&none, "", "1", val, sizeof val, &e), EINVAL,
		"bad sysctl name", "an empty sysctl key");
	return tap_done();
}
