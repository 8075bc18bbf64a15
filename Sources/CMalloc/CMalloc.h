// glibc's allocator controls, which Swift's Glibc module leaves out (it does not include
// <malloc.h>): the agent hands the pages a full pass freed back to the kernel with malloc_trim,
// so that its resident memory is what it holds, not the peak of its last full read and plan;
// a one-shot command (mallopt) keeps what it frees, so that it is not faulted in again.
// And <sys/prctl.h>, whose prctl is variadic, which Swift cannot call: the agent opts out of
// transparent huge pages through the function below.
#ifndef CMALLOC_H
#define CMALLOC_H

#include <malloc.h>
#include <sys/prctl.h>

/// prctl(PR_SET_THP_DISABLE): no transparent huge pages for this process (and its children).
static inline int cmalloc_disable_transparent_huge_pages(void) {
    return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
}

#endif
