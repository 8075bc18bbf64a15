// libyaml (Debian libyaml-dev): the YAML 1.1 scanner and parser whose events the YAML module
// composes into its own tree. The system library, not a copy built from source: one libyaml,
// kept up to date (security fixes included) by the distribution.
#include <yaml.h>
