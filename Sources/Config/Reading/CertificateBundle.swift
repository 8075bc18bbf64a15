#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and checks a PEM bundle of CA certificates named by an HTTPS check's `tls.caFile`.
///
/// The loader runs before any kernel write, so this read must not hang or swell: a FIFO, a
/// device or a huge file is refused before reading, and at most ``maximumBytes`` are read. The
/// check is of the PEM structure (certificate blocks whose base64 decodes to a DER sequence);
/// the TLS library parses the certificates when the prober builds its context.
enum CertificateBundle {
    /// Far above any real bundle (the whole system trust store is about 220 KB).
    static let maximumBytes = 1024 * 1024

    /// The file's bytes, or why they are refused, in words that follow "caFile '<path>' ".
    static func load(_ path: String) -> Result<[UInt8], Refusal> {
        // Non-blocking, so that opening a FIFO with no writer returns at once.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(Refusal("cannot be opened: \(String(cString: strerror(errno)))", code: .unreadableFile)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(Refusal("cannot be examined: \(String(cString: strerror(errno)))", code: .unreadableFile)) }
        guard status.st_mode & S_IFMT == S_IFREG else { return .failure(Refusal("is not a regular file", code: .unreadableFile)) }
        guard status.st_size <= maximumBytes else {
            return .failure(Refusal("is \(status.st_size) bytes long: a CA bundle is at most \(maximumBytes)", code: .unreadableFile))
        }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // The file may grow between fstat and here: read one byte past the limit to notice.
        while contents.count <= maximumBytes {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(Refusal("cannot be read: \(String(cString: strerror(errno)))", code: .unreadableFile))
            }
            contents.append(contentsOf: chunk[..<count])
        }
        guard contents.count <= maximumBytes else {
            return .failure(Refusal("grew beyond \(maximumBytes) bytes while being read", code: .unreadableFile))
        }
        return checkPEM(contents).map { .failure($0) } ?? .success(contents)
    }

    /// Nil when `bytes` hold at least one PEM certificate and every certificate block decodes;
    /// else what is wrong.
    static func checkPEM(_ bytes: [UInt8]) -> Refusal? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return Refusal("is not PEM text (it is not even UTF-8)") }
        var certificates = 0
        var body: String?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingSpaces }) {
            if line == "-----BEGIN CERTIFICATE-----" {
                body = ""
            } else if line == "-----END CERTIFICATE-----", let base64 = body {
                certificates += 1
                guard let der = decodeBase64(base64), der.first == 0x30 else {
                    return Refusal("is not a PEM bundle: certificate \(certificates) is not base64 of a DER certificate")
                }
                body = nil
            } else if line.hasPrefix("-----BEGIN"), line.contains("PRIVATE KEY") {
                // A key has no business in a trust bundle, and reading one is a sign of the wrong file.
                return Refusal("holds a private key: give the CA certificates only")
            } else if body != nil {
                body! += line
            }
        }
        if body != nil { return Refusal("is not a PEM bundle: certificate \(certificates + 1) has no END line") }
        if certificates == 0 { return Refusal("holds no PEM certificate (-----BEGIN CERTIFICATE-----)") }
        return nil
    }

    /// Why a file is refused.
    struct Refusal: Error, Equatable {
        /// `.unreadableFile` when the file could not be read, `.invalidValue` when its content is wrong.
        var code: ConfigProblem.Code
        var reason: String

        init(_ reason: String, code: ConfigProblem.Code = .invalidValue) {
            self.code = code
            self.reason = reason
        }
    }

    /// Standard base64 with padding; nil for anything else.
    private static func decodeBase64(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 4) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 4 * 3)
        for start in stride(from: 0, to: digits.count, by: 4) {
            let quad = digits[start..<start + 4]
            let padding = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, start + 4 == digits.count || padding == 0 else { return nil }
            var value: UInt32 = 0
            for digit in quad.dropLast(padding) {
                guard let sextet = sextet(digit) else { return nil }
                value = value << 6 | UInt32(sextet)
            }
            value <<= 6 * UInt32(padding)
            let decoded = [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            bytes += decoded.prefix(3 - padding)
        }
        return bytes
    }

    private static func sextet(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): digit - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
