#ifndef CHEAP_H
#define CHEAP_H
#include <malloc.h>
#include <stddef.h>

/// Bytes glibc's allocator has handed out and not yet had back: from its heap (mallinfo2's
/// uordblks) and as blocks of their own mapping (hblkhd: every block of 128 KiB or more, such
/// as a config file's text). malloc.h is not part of Swift's Glibc module.
size_t cheap_heap_in_use(void);

#endif
