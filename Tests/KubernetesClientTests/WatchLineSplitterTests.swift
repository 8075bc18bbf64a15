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
}
