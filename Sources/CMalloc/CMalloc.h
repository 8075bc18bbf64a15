// glibc's allocator controls, which Swift's Glibc module leaves out (it does not include
// <malloc.h>): the agent hands the pages a full pass freed back to the kernel with malloc_trim,
// so that its resident memory is what it holds, not the peak of its last full read and plan;
// a one-shot command (mallopt) keeps what it frees, so that it is not faulted in again.
#ifndef CMALLOC_H
#define CMALLOC_H

#include <malloc.h>

#endif
