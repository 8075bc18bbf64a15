// Linux's epoll and eventfd, which Swift's Glibc module does not export (it does not include
// <sys/epoll.h> or <sys/eventfd.h>): the health checker's TCP probes wait for their connects on
// an epoll set of their own instead of a NIO channel per probe.
#ifndef CEPOLL_H
#define CEPOLL_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
