import CLibFuzzer

/// One fuzz input: `(data, size)` as libFuzzer passes it. Returns 0 (any other value tells
/// libFuzzer not to add the input to the corpus).
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer on `target` with this process's command line (the usual libFuzzer flags and
/// corpus directories), and exits with its status.
public func runLibFuzzer(_ target: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv, target)
    exit(status)
}

/// The fuzz input as bytes.
public func fuzzInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: start, count: count))
}

/// A property of the code under test that the input broke: a crash libFuzzer records, with
/// the reason on standard error.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("property violated: \(message())", file: file, line: line)
}

#if canImport(Glibc)
    import Glibc
#endif
