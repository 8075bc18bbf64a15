import KubernetesAPI
import Testing

@testable import KubernetesClient

@Suite struct WatchLineSplitterTests {
    private func text(_ lines: [[UInt8]]) -> [String] {
        lines.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func wholeLinesInOneChunk() throws {
        var splitter = WatchLineSplitter()
        #expect(text(try splitter.append(Array("{\"a\":1}\n{\"b\":2}\n".utf8))) == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(splitter.finish() == nil)
    }

    @Test func aLineSplitAcrossChunksComesOutWhole() throws {
        var splitter = WatchLineSplitter()
        #expect(try splitter.append(Array("{\"type\":".utf8)).isEmpty)
        #expect(try splitter.append(Array("\"ADDED\"".utf8)).isEmpty)
        #expect(text(try splitter.append(Array("}\n{\"x\"".utf8))) == [#"{"type":"ADDED"}"#])
        #expect(text(try splitter.append(Array(":1}\n".utf8))) == [#"{"x":1}"#])
    }

    @Test func everyByteInItsOwnChunk() throws {
        var splitter = WatchLineSplitter()
        var lines: [String] = []
        for byte in Array("one\ntwo\nthree\n".utf8) {
            lines += text(try splitter.append([byte]))
        }
        #expect(lines == ["one", "two", "three"])
    }

    @Test func blankLinesAndCarriageReturnsAreDropped() throws {
        var splitter = WatchLineSplitter()
        #expect(text(try splitter.append(Array("\n\r\n  \none\r\n\n".utf8))) == ["one"])
    }

    @Test func aFinalLineWithoutNewlineComesOutAtTheEnd() throws {
        var splitter = WatchLineSplitter()
        #expect(text(try splitter.append(Array("first\nlast".utf8))) == ["first"])
        #expect(splitter.finish().map { String(decoding: $0, as: UTF8.self) } == "last")
        #expect(splitter.finish() == nil)
    }

    @Test func aLineOverTheCapIsAnError() throws {
        var splitter = WatchLineSplitter(maximumLineLength: 8)
        #expect(text(try splitter.append(Array("12345678\n".utf8))) == ["12345678"])
        #expect(throws: WatchLineSplitter.LineTooLong(maximumLineLength: 8)) {
            _ = try splitter.append(Array("12345".utf8))
            _ = try splitter.append(Array("6789".utf8))
        }
    }

    @Test func theCapCountsAPartialLineEvenBeforeItsNewline() {
        var splitter = WatchLineSplitter(maximumLineLength: 4)
        #expect(throws: WatchLineSplitter.LineTooLong.self) {
            _ = try splitter.append(Array("abcdefgh".utf8))
        }
    }

    /// Found by FuzzWatchStream (Fuzz/): a line ending `\r\r\n` keeps one `\r` (only the one
    /// before the newline is dropped). Not a fault: JSON reads it as white space, and the event
    /// still decodes. Its body bytes, after the harness's control byte.
    @Test func aLineEndingWithTwoCarriageReturnsStillDecodes() throws {
        let body: [UInt8] =
            Array(#"{"type":"BOOKMARK","object":{"maedtata":{"resourbeVersion":"4711"}}}"#.utf8)
            + [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x20, 0x0a]
            + Array(#"{"type":"ERROR","object":{"kind":"S"#.utf8) + [0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]
            + Array(#"code":410,"reason":"Expired"}}"#.utf8) + [0x0d, 0x0d, 0x0a, 0x21, 0x0a, 0x20, 0x20, 0x0a]
            + Array(#"{"type":"ADDED","object":{"metadata":{}}}"#.utf8)
        var splitter = WatchLineSplitter(maximumLineLength: 256)
        var lines = try splitter.append(body)
        if let last = splitter.finish() { lines.append(last) }
        #expect(lines.count == 5)  // the bookmark, the NUL-and-space line, the error, "!", the added
        #expect(lines[2].last == 0x0d)
        for line in lines {
            _ = WatchEventDecoding.decode(line, as: KubernetesService.self)
        }
        var clean = WatchLineSplitter()
        let status = try clean.append(Array(#"{"type":"ERROR","object":{"code":410}}"#.utf8) + [0x0d, 0x0d, 0x0a])
        try #require(status.count == 1)
        guard case .error(let error) = WatchEventDecoding.decode(status[0], as: KubernetesService.self) else {
            Issue.record("a line ending with \\r does not decode as its event")
            return
        }
        #expect(error.code == 410)
    }
}
