#ifndef CHEAP_H
#define CHEAP_H
#include <malloc.h>
#include <stddef.h>

/// Bytes glibc's allocator has handed out and not yet had back (mallinfo2's uordblks):
/// malloc.h is not part of Swift's Glibc module.
size_t cheap_heap_in_use(void);

#endif
