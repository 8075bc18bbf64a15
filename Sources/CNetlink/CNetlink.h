// The C side of the IPVS client, kept to what Swift cannot do by itself.
//
// libnl-3 / libnl-genl-3 own the socket's life: allocate, bind, resolve the "IPVS" generic
// netlink family by name. Everything sent and received over that socket is encoded and decoded
// in Swift (IPVSWire), so the wire format stays testable without a kernel.
//
// libnl-route-3 does the same for the rtnetlink socket of the interface-address client: it
// manages the dummy link and builds the address requests; batching and replies are Swift's.
#ifndef CNETLINK_H
#define CNETLINK_H

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>
#include <sched.h>

// Why: SOL_NETLINK and the NETLINK_* socket options are plain macros that Swift imports only
// from some header combinations; these make them available regardless.
static inline int cnetlink_sol_netlink(void) { return SOL_NETLINK; }
static inline int cnetlink_opt_ext_ack(void) { return NETLINK_EXT_ACK; }
static inline int cnetlink_opt_cap_ack(void) { return NETLINK_CAP_ACK; }

// Why: CLONE_NEWNET is a macro from <sched.h> behind _GNU_SOURCE; setns() needs it to enter the
// network namespace whose IPVS table a socket should talk to.
static inline int cnetlink_clone_newnet(void) { return 0x40000000; }

// Why: setns() is declared by <sched.h> only under _GNU_SOURCE, which the Glibc module Swift
// imports does not define. The symbol is in every glibc since 2.14.
extern int setns(int fd, int nstype);
static inline int cnetlink_setns(int fd) { return setns(fd, cnetlink_clone_newnet()); }

#endif
