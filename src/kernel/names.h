/* names.h — the one rule for names that become paths or namespace names:
 * lab, node and switch names end up in /run/nslab/LAB, /run/netns/LAB.NODE
 * and /etc/netns/LAB.NODE, so a name like "..", "a/b" or "" must never get
 * that far. Every caller checks through here. */
#ifndef NSL_NAMES_H
#define NSL_NAMES_H

#include <stddef.h>

#define NSL_NAME_MAX 64

/* Non-zero when s is a valid lab/node/switch name: 1..64 bytes of
 * letters, digits, '-' and '_', starting with a letter or digit. */
int nsl_names_valid(const char *s);

/* Same, for a name of len bytes (may hold NULs, which make it invalid). */
int nsl_names_valid_len(const char *s, size_t len);

/* Non-zero when s can name a namespace pin (/run/netns/S) and its
 * /etc/netns/S directory: one path component, not starting with '.'
 * ("." and ".." included), at most 255 bytes. Lab namespaces are
 * LAB.NODE, but a pin may also be one the user made with `ip netns add`. */
int nsl_names_pin_valid(const char *s);

#endif
