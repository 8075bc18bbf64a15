// xxHash (Debian libxxhash-dev): XXH3, the hash a config reload compares each service's text
// by, instead of keeping the last good text whole.
#include <xxhash.h>
