import Config
import Foundation
import Testing

/// Text that is not YAML, and files that cannot be read: one problem, with Yams' position.
struct SyntaxAndFileTests {
    @Test(
        "YAML syntax errors carry libyaml's position and the construct it was reading",
        arguments: [
            ("services: [\n  {name: a\n", Place(3, 1, "", .syntax), "while parsing a flow mapping at line 2, column 3"),
            ("services:\n  - name: a\n   bad: 1\n", Place(3, 4, "", .syntax), "did not find expected '-' indicator"),
            ("services:\n\t- name: a\n", Place(2, 1, "", .syntax), "cannot start any token"),
            ("services: 'unclosed\n", Place(2, 1, "", .syntax), "while scanning a quoted scalar at line 1, column 11"),
            ("services: *nothing\n", Place(1, 11, "", .syntax), "undefined alias"),
            ("services: []\n---\nservices: []\n", Place(2, 1, "", .syntax), "but found another document"),
        ])
    func syntax(yaml: String, place: Place, words: String) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.place == place)
        #expect(problem.message.contains(words), "\(problem.message)")
    }

    @Test("a key written twice in one mapping is refused, at its first occurrence")
    func duplicateKey() throws {
        let problem = try #require(ConfigTesting.problem("services:\n- name: a\n  clusterIPs: []\n  name: b\n"))
        #expect(problem.place == Place(2, 3, "", .duplicateKey))
        #expect(problem.message.contains("'name'"))
    }

    @Test("an empty file, or one of comments only, is refused: it would mean no services", arguments: ["", "# nothing\n", "\n\n"])
    func emptyFile(yaml: String) throws {
        let problem = try #require(ConfigTesting.problem(yaml))
        #expect(problem.place == Place(1, 1, "services", .missingKey))
    }

    @Test("a document that is not a mapping is refused at its start")
    func rootNotMapping() throws {
        let problem = try #require(ConfigTesting.problem("- a\n- b\n"))
        #expect(problem.place == Place(1, 1, "", .wrongType))
        #expect(problem.message == "expected a mapping, found a list")
        #expect(problem.description == "test.yaml:1:1: expected a mapping, found a list")
    }

    @Test("a missing file is a ConfigError naming the file and the reason")
    func missingFile() {
        let path = "/nonexistent/ipvsctl-swift/config.yaml"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(error?.problems.map(\.place) == [Place(0, 0, "", .unreadableFile)])
        #expect(error?.problems.first?.file == path)
        #expect(error?.description == "\(path): the file cannot be opened: No such file or directory")
    }

    @Test("a directory is a ConfigError, not a crash or an empty config")
    func directory() {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: NSTemporaryDirectory()) }
        #expect(error?.problems.map(\.code) == [.unreadableFile])
        #expect(error?.problems.first?.message == "the file is a directory, not a regular file")
    }

    @Test("a device is refused at once instead of being read forever", arguments: ["/dev/zero", "/dev/null", "/dev/urandom"])
    func device(path: String) {
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(error?.problems.map(\.place) == [Place(0, 0, "", .unreadableFile)])
        #expect(error?.problems.first?.message == "the file is a character device, not a regular file")
    }

    @Test("a FIFO is refused at once, with or without a writer on the other end")
    func fifo() throws {
        let path = NSTemporaryDirectory() + "ipvsctl-config-fifo-\(UUID().uuidString)"
        #expect(mkfifo(path, 0o600) == 0)
        defer { TemporaryFile.remove(path) }
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(error?.problems.first?.message == "the file is a FIFO, not a regular file")
    }

    @Test("a file over the size limit is refused before it is read, naming its size and the limit")
    func oversized() throws {
        let path = try TemporaryFile.write(Array("services:\n".utf8))
        defer { TemporaryFile.remove(path) }
        // Sparse: the test costs no disk, and the loader must refuse on the size alone.
        #expect(truncate(path, off_t(ConfigLoader.maximumFileBytes + 1)) == 0)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(error?.problems.map(\.place) == [Place(0, 0, "", .unreadableFile)])
        #expect(error?.problems.first?.message == "the file is \(ConfigLoader.maximumFileBytes + 1) bytes, more than the 32 MiB allowed")
        // At the limit exactly it is read (and then judged as YAML: NUL bytes are not).
        #expect(truncate(path, off_t(ConfigLoader.maximumFileBytes)) == 0)
        let atLimit = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(atLimit?.problems.map(\.code) == [.syntax])
    }

    @Test("bytes that are not UTF-8 are refused with their position, not repaired")
    func notUTF8() throws {
        let path = try TemporaryFile.write(Array("services:\n- name: caf".utf8) + [0xE9] + Array("\n".utf8))
        defer { TemporaryFile.remove(path) }
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
        #expect(error?.problems.map(\.place) == [Place(2, 12, "", .unreadableFile)])
        #expect(error?.problems.first?.message == "the file is not valid UTF-8")

        // Valid UTF-8 beyond ASCII before the bad byte: the check starts at the first such
        // character, and the position still counts characters from the start.
        let later = try TemporaryFile.write(Array("# café ✓\nservices:\n- name: caf".utf8) + [0xE9] + Array("\n".utf8))
        defer { TemporaryFile.remove(later) }
        let laterError = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: later) }
        #expect(laterError?.problems.map(\.place) == [Place(3, 12, "", .unreadableFile)])

        // The first non-ASCII byte is looked for eight at a time, then one at a time: found at
        // every offset of the word and of the tail, after a byte-order mark too.
        for offset in 0..<20 {
            for mark: [UInt8] in [[], [0xEF, 0xBB, 0xBF]] {
                let path = try TemporaryFile.write(mark + Array(repeating: UInt8(ascii: "#"), count: offset) + [0xE9, 0x0A])
                defer { TemporaryFile.remove(path) }
                let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(contentsOf: path) }
                #expect(error?.problems.map(\.place) == [Place(1, offset + 1, "", .unreadableFile)], "offset \(offset)")
            }
        }
    }

    @Test("a UTF-8 byte-order mark is skipped, and a file loads like the same text")
    func byteOrderMark() throws {
        let text = "services:\n- name: web\n  clusterIPs: [198.51.100.1]\n  ports: [{port: 80}]\n"
        let path = try TemporaryFile.write([0xEF, 0xBB, 0xBF] + Array(text.utf8))
        defer { TemporaryFile.remove(path) }
        let loaded = try ConfigLoader.load(contentsOf: path)
        #expect(loaded == (try ConfigLoader.parse(text, file: path)))
        #expect(loaded.services.map(\.name) == ["web"])
    }
}

/// A file in the temporary directory, for the tests that need real files.
enum TemporaryFile {
    static func write(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "ipvsctl-config-test-\(UUID().uuidString).yaml"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
