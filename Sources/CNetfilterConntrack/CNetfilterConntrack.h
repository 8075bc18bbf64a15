// The C side of the conntrack client: libnetfilter_conntrack, as Debian ships it.
//
// The library owns the ctnetlink socket, the dump's multi-part replies and the decoding of each
// entry into attributes; Swift reads the attributes it needs and decides what to delete, so the
// matching stays testable without a kernel.
#ifndef CNETFILTERCONNTRACK_H
#define CNETFILTERCONNTRACK_H

// Why: libnfnetlink ships an older copy of <linux/netfilter/nfnetlink.h> under the same include
// guard, with fewer members in enum nfnetlink_groups. libnl's headers (CNetlink) pull in the
// kernel's; a Swift module that sees both C modules refuses the two definitions. Including the
// kernel's first makes the guard skip the copy, so both modules hold one definition.
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#endif
