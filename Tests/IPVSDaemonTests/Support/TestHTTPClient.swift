import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client over a raw TCP socket: what a load balancer's probe or curl sends,
/// with no HTTP library between the test and the bytes.
///
/// Every call runs on a thread of its own (a fresh serial queue, which Dispatch never makes wait
/// for a free worker), never on the cooperative pool, so that blocked reads cannot starve the
/// server's async handler or each other of threads.
enum TestHTTPClient {
    struct Response {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends `raw` on one connection and returns every response until the server closes it.
    static func exchange(
        _ raw: String, host: String = "127.0.0.1", port: Int, headResponses: Int = 0
    ) async throws
        -> [Response]
    {
        let bytes = try await offPool {
            let socket = try connect(host: host, port: port)
            defer { close(socket) }
            try send(raw, on: socket)
            return try readToEnd(socket)
        }
        return parse(bytes, headResponses: headResponses)
    }

    /// One request with `Connection: close`.
    static func request(
        _ target: String, method: String = "GET", host: String = "127.0.0.1", port: Int
    )
        async throws -> Response
    {
        let raw = "\(method) \(target) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        let responses = try await exchange(raw, host: host, port: port, headResponses: method == "HEAD" ? 1 : 0)
        guard responses.count == 1, let response = responses.first else {
            throw SocketFailure(call: "expected one response, got \(responses.count)", errno: 0)
        }
        return response
    }

    /// The errno of connecting to `port`, or nil if the connection was accepted.
    static func connectError(host: String = "127.0.0.1", port: Int) async -> Int32? {
        do {
            close(try await offPool { try connect(host: host, port: port) })
            return nil
        } catch let failure as SocketFailure {
            return failure.errno
        } catch {
            return -1
        }
    }

    /// An open connection, for tests that hold one across a server event.
    final class Connection: @unchecked Sendable {
        let socket: Int32

        init(host: String = "127.0.0.1", port: Int) async throws {
            socket = try await offPool { try TestHTTPClient.connect(host: host, port: port) }
        }

        deinit { close(socket) }

        func send(_ raw: String) async throws {
            try await offPool { try TestHTTPClient.send(raw, on: self.socket) }
        }

        /// Reads exactly one response (its body by Content-Length).
        func readResponse() async throws -> Response? {
            let bytes = try await offPool { try TestHTTPClient.readOneResponse(self.socket) }
            return parse(bytes).first
        }

        /// Reads until the server closes the connection; the bytes that came first.
        func readToEnd() async throws -> [UInt8] {
            try await offPool { try TestHTTPClient.readToEnd(self.socket) }
        }
    }

    // MARK: - Blocking parts

    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "test-http-client").async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func connect(host: String, port: Int) throws -> Int32 {
        let isIPv6 = host.contains(":")
        let socket = Glibc.socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw SocketFailure(call: "socket", errno: errno) }
        // A safety net so that a broken server fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func connect<Address>(to address: Address) -> Int32 {
            withUnsafePointer(to: address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(socket, $0, socklen_t(MemoryLayout<Address>.size))
                }
            }
        }
        let result: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = connect(to: address)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            result = connect(to: address)
        }
        guard result == 0 else {
            let code = errno
            close(socket)
            throw SocketFailure(call: "connect", errno: code)
        }
        return socket
    }

    static func send(_ raw: String, on socket: Int32) throws {
        let bytes = Array(raw.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw SocketFailure(call: "send", errno: errno) }
            sent += count
        }
    }

    static func readToEnd(_ socket: Int32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return bytes }
            guard count > 0 else {
                // A reset after the last response still ends the exchange.
                if errno == ECONNRESET { return bytes }
                throw SocketFailure(call: "recv", errno: errno)
            }
            bytes += buffer[0..<count]
        }
    }

    static func readOneResponse(_ socket: Int32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while !bytes.ends(with: Array("\r\n\r\n".utf8)) {
            let count = recv(socket, &byte, 1, 0)
            guard count == 1 else { throw SocketFailure(call: "recv head", errno: count == 0 ? 0 : errno) }
            bytes.append(byte)
        }
        let length = parseHead(bytes[...])?.headers["content-length"].flatMap { Int($0) } ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var received = 0
        while received < length {
            let count = body[received...].withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw SocketFailure(call: "recv body", errno: count == 0 ? 0 : errno) }
            received += count
        }
        return bytes + body
    }

    // MARK: - Parsing

    /// Splits a byte stream into responses, each body by its Content-Length. A response to HEAD
    /// has a Content-Length but no body: pass how many of the first responses answer HEAD.
    static func parse(_ bytes: [UInt8], headResponses: Int = 0) -> [Response] {
        var responses: [Response] = []
        var rest = bytes[...]
        while let head = parseHead(rest) {
            rest = rest.dropFirst(head.length)
            let length = responses.count < headResponses ? 0 : Int(head.headers["content-length"] ?? "0") ?? 0
            responses.append(Response(status: head.status, headers: head.headers, body: Array(rest.prefix(length))))
            rest = rest.dropFirst(length)
        }
        return responses
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) -> (status: Int, headers: [String: String], length: Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self).components("\r\n")
        guard let statusLine = lines.first else { return nil }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop(while: { $0 == " " })
            headers[name] = String(value)
        }
        return (status, headers, end - bytes.startIndex + separator.count)
    }
}

extension String {
    fileprivate func components(_ separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
