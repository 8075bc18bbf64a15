import Testing

/// Every kernel-lab suite nests here, so that the whole set runs one test at a time.
///
/// IPVS keeps one service hash table for all network namespaces, and a dump resumes each part
/// from a position in it: a test changing another namespace at the same time can make a dump in
/// this one skip an entry. Running serially keeps each test's view exact.
@Suite(.serialized)
enum KernelLab {}
