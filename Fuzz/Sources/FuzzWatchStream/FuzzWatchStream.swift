import FuzzSupport
import KubernetesAPI

@testable import KubernetesClient  // WatchEventDecoding: how WatchEventStream decodes a line

/// A watch response body as the transport hands it over, in chunks cut anywhere: framed into
/// lines by WatchLineSplitter, each line decoded into a watch event of Services,
/// EndpointSlices and Nodes as WatchEventStream decodes it.
///
/// The first input byte picks the chunk sizes (1 to 16 bytes, cycling) and, when odd, a small
/// line limit (256 bytes) so that the too-long path runs too; the rest is the body.
///
/// Properties: framing does not depend on where chunks are cut (the lines of the chunked body
/// are those of the whole body in one chunk, and a line too long is refused either way); no
/// line is blank or holds a newline; no line exceeds the limit. (One `\r` before the newline
/// is dropped; a line may still end with another, which JSON reads as white space.)
@main
enum FuzzWatchStream {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let control = input.first else { return 0 }
    let body = input.dropFirst()
    let limit = control & 1 == 1 ? 256 : WatchLineSplitter.defaultMaximumLineLength
    let chunkSeed = Int(control >> 1) % 16 + 1

    var whole = WatchLineSplitter(maximumLineLength: limit)
    let wholeLines: [[UInt8]]?
    do {
        var lines = try whole.append(body)
        if let last = whole.finish() { lines.append(last) }
        wholeLines = lines
    } catch {
        wholeLines = nil
    }

    var chunked = WatchLineSplitter(maximumLineLength: limit)
    var lines: [[UInt8]] = []
    var refused = false
    var start = body.startIndex
    var cut = chunkSeed
    while start < body.endIndex {
        let end = min(start + cut, body.endIndex)
        do {
            lines += try chunked.append(body[start..<end])
        } catch {
            refused = true
            break
        }
        start = end
        cut = cut % 16 + 1
    }
    if !refused, let last = chunked.finish() { lines.append(last) }

    require(refused == (wholeLines == nil), "chunked framing refused: \(refused), whole: \(wholeLines == nil)")
    if let wholeLines, !refused {
        require(lines == wholeLines, "chunked framing gives \(lines.count) lines, whole \(wholeLines.count)")
    }
    for line in lines {
        require(!line.contains(UInt8(ascii: "\n")), "a line holds a newline")
        require(line.contains { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }, "a blank line")
        require(line.count <= limit, "a line of \(line.count) bytes passed the limit \(limit)")
        let service = WatchEventDecoding.decode(line, as: KubernetesService.self)
        _ = service.typeName
        _ = WatchEventDecoding.decode(line, as: EndpointSlice.self)
        _ = WatchEventDecoding.decode(line, as: KubernetesNode.self)
    }
    return 0
}
