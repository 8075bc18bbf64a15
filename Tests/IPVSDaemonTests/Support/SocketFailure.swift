/// A system call of a test's own socket plumbing failed.
struct SocketFailure: Error, Equatable {
    var call: String
    var errno: Int32
}
