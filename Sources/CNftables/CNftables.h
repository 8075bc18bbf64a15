// libnftables: the library behind the `nft` command (Debian libnftables-dev).
#include <stdbool.h>
#include <stdint.h>
#include <nftables/libnftables.h>
