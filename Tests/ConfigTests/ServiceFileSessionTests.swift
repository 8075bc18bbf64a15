import Foundation
import IPVSCore
import Testing

@testable import Config

/// The agent's reload of a config whose services are in service files: a file whose stamp on
/// disk did not change is not read, a changed one is taken in alone, and whatever the edits the
/// result is what a full load of the files gives.
@Suite struct ServiceFileSessionTests {
    typealias Directory = ServiceFileTests.Directory

    static let files = ["services.d/a.yaml", "services.d/b.yaml", "services.d/c.yaml"]

    /// A service file in the shape of ``ConfigSessionTests/config(services:edit:)``'s list, its
    /// names, addresses and ports apart from the other files'.
    static func serviceFile(_ index: Int) -> String {
        let list = ConfigSessionTests.config(services: 2)
        let services = list[list.range(of: "services:\n")!.lowerBound..<list.range(of: "  - name: test/marked")!.lowerBound]
        return String(services)
            .replacingOccurrences(of: "test/s", with: "f\(index)/s")
            .replacingOccurrences(of: "198.18.0.", with: "198.18.\(index + 1).")
            .replacingOccurrences(of: "203.0.113.", with: "203.0.\(index + 1).")
            .replacingOccurrences(of: "nodePort: 3000", with: "nodePort: 32\(index + 1)0")
            .replacingOccurrences(of: "healthCheckNodePort: 3100", with: "healthCheckNodePort: 31\(index + 1)0")
    }

    /// The config file: the session tests' own services and nodes, and the service files.
    static let main = ConfigSessionTests.config(services: 2).replacingOccurrences(
        of: "services:\n", with: "serviceFiles: [services.d/*.yaml]\nservices:\n")

    static func populated() throws -> (Directory, String) {
        let directory = try Directory()
        let config = try directory.write("config.yaml", main)
        for (index, file) in files.enumerated() { try directory.write(file, serviceFile(index)) }
        return (directory, config)
    }

    /// ``populated()``, its files left older than the settling time (their stamps are then
    /// trusted from the first reload on), and a session loaded from it.
    static func settled() throws -> (Directory, String, ConfigSession) {
        let (directory, config) = try populated()
        try Task.checkCancellation()
        Thread.sleep(forTimeInterval: 2.1)
        return (directory, config, try ConfigSession(loading: config))
    }

    /// Reloads `session` and checks it against a full load of the files as they are.
    @discardableResult
    static func reloadAndCompare(_ session: inout ConfigSession) -> ConfigSession.Change? {
        let before = session.state
        let full = Result { () throws(ConfigError) in try ConfigLoader.load(contentsOf: session.path) }
        let partial = Result { () throws(ConfigError) in try session.reload() }
        switch (full, partial) {
        case (.success(let expected), .success(let change)):
            #expect(session.state == expected)
            if let edited = change.editedServices {
                #expect(edited == Set(zip(before.services, expected.services).filter { $0 != $1 }.map(\.0.name)))
            }
            return change
        case (.failure(let expected), .failure(let error)):
            #expect(error.problems == expected.problems)
            #expect(session.state == before, "a refused config changed the state")
        case (.success, .failure(let error)):
            Issue.record("a full load accepts what the session refused: \(error)")
        case (.failure(let expected), .success):
            Issue.record("the session accepted what a full load refuses: \(expected)")
        }
        return nil
    }

    /// When each service file was last read.
    static func readTimes(_ session: ConfigSession) -> [Int64] {
        session.partial?.serviceFiles?.files.map(\.readAt) ?? []
    }

    @Test("an edited service file is read alone, and names its edited service")
    func oneFileEdited() throws {
        var (directory, _, session) = try Self.settled()
        #expect(session.serviceFilePatterns?.patterns == [directory.path + "/services.d/*.yaml"])
        let loaded = Self.readTimes(session)

        try directory.write(Self.files[1], Self.serviceFile(1).replacingOccurrences(of: "weight: 2", with: "weight: 7"))
        #expect(Self.reloadAndCompare(&session) == .init(editedServices: ["f1/s0", "f1/s1"], readPartially: true))
        let afterEdit = Self.readTimes(session)
        #expect(afterEdit[0] == loaded[0] && afterEdit[2] == loaded[2], "an unchanged file was read")
        #expect(afterEdit[1] > loaded[1])

        // Its services are remembered item by item: the next edit of one reads that one alone.
        guard case .list(let remembered)? = session.partial?.serviceFiles?.files[1].text else {
            Issue.record("a service file in a block list is remembered item by item")
            return
        }
        #expect(remembered.layout.count == 2)
        var previous = Self.serviceFile(1).replacingOccurrences(of: "weight: 2", with: "weight: 7")
        previous.replaceSubrange(try #require(previous.range(of: "weight: 7")), with: "weight: 5")
        try directory.write(Self.files[1], previous)
        #expect(Self.reloadAndCompare(&session) == .init(editedServices: ["f1/s0"], readPartially: true))

        // Read again while its stamp is fresh, found the same by its hash.
        #expect(Self.reloadAndCompare(&session) == .init(editedServices: [], readPartially: true))
        #expect(Self.readTimes(session)[0] == loaded[0])
    }

    @Test("a watcher's listing of the files stands in for listing them again, when it lists the same patterns")
    func watcherListing() throws {
        var (directory, config, session) = try Self.settled()
        let patterns = try #require(session.serviceFilePatterns)
        let before = try patterns.listing()
        #expect(before.files.map(\.path) == Self.files.map { directory.path + "/" + $0 })

        // Edited after the listing: the reload believes the listing and reads nothing.
        try directory.write(Self.files[1], Self.serviceFile(1).replacingOccurrences(of: "weight: 2", with: "weight: 7"))
        let state = session.state
        #expect(try session.reload(serviceFiles: before) == .init(editedServices: [], readPartially: true))
        #expect(session.state == state)

        // Listed after it: the edited file is read, as of the listing's time.
        let after = try patterns.listing()
        #expect(after.takenAt > before.takenAt)
        #expect(try session.reload(serviceFiles: after) == .init(editedServices: ["f1/s0", "f1/s1"], readPartially: true))
        #expect(Self.readTimes(session)[1] == after.takenAt)

        // A listing of other patterns (the config changed them since) is not used.
        try directory.write(Self.files[2], Self.serviceFile(2).replacingOccurrences(of: "weight: 2", with: "weight: 7"))
        let other = try ServiceFilePatterns(["services.d/a.yaml"], relativeTo: config).listing()
        #expect(try session.reload(serviceFiles: other) == .init(editedServices: ["f2/s0", "f2/s1"], readPartially: true))
        #expect(session.state == (try ConfigLoader.load(contentsOf: config)))
    }

    @Test("a file added or removed, two files edited at once, or the config file edited: a whole load")
    func wholeLoads() throws {
        let (directory, config) = try Self.populated()
        var session = try ConfigSession(loading: config)
        try directory.write("services.d/d.yaml", "services: []\n")
        #expect(Self.reloadAndCompare(&session)?.readPartially == false)
        try directory.remove("services.d/d.yaml")
        #expect(Self.reloadAndCompare(&session)?.readPartially == false)

        try directory.write(Self.files[0], Self.serviceFile(0).replacingOccurrences(of: "weight: 2", with: "weight: 3"))
        try directory.write(Self.files[2], Self.serviceFile(2).replacingOccurrences(of: "weight: 2", with: "weight: 3"))
        #expect(Self.reloadAndCompare(&session)?.readPartially == false)

        let kernelEdited = Self.main.replacingOccurrences(of: "expireNoDestConn: true", with: "expireNoDestConn: false")
        try directory.write("config.yaml", kernelEdited)
        #expect(Self.reloadAndCompare(&session)?.readPartially == false)
        // The config file's items alone, with the files unchanged: partial again.
        try directory.write("config.yaml", kernelEdited.replacingOccurrences(of: "weight: 2", with: "weight: 4"))
        #expect(Self.reloadAndCompare(&session) == .init(editedServices: ["test/s0", "test/s1"], readPartially: true))
    }

    @Test("a service file that collides with another is refused at its place; the state stays; fixed, it loads")
    func refusedEdit() throws {
        let (directory, config) = try Self.populated()
        var session = try ConfigSession(loading: config)
        let before = session.state
        let clash = Self.serviceFile(2).replacingOccurrences(of: "name: f2/s1", with: "name: f0/s0")
        let file = try directory.write(Self.files[2], clash)
        let error = try #require(throws: ConfigError.self) { try session.reload() }
        #expect(error.problems.map(\.file) == [file])
        let owner = "\(directory.path)/\(Self.files[0]), line 3, column 11"
        #expect(error.problems.first?.message == "service name 'f0/s0' is already used (\(owner))")
        #expect(session.state == before)

        try directory.write(Self.files[2], Self.serviceFile(2).replacingOccurrences(of: "weight: 2", with: "weight: 6"))
        #expect(Self.reloadAndCompare(&session) != nil)
        #expect(session.state != before)
    }

    @Test("random edits of the files: the session always agrees with a full load")
    func randomEdits() throws {
        var (directory, _, session) = try Self.settled()
        var generator = FixedSequence(state: 0x5E55_1011)
        var texts = Self.files.indices.map(Self.serviceFile)
        var mainText = Self.main
        var accepted = 0
        var partial = 0
        for _ in 0..<ConfigSessionTests.rounds {
            // Mostly one service file; now and then the config file, or two files at once.
            let choice = Int(generator.next() % 10)
            var edited: [Int] = choice < 8 ? [choice % texts.count] : choice == 8 ? [0, 2] : []
            if edited.isEmpty {
                mainText = ConfigSessionTests.mutate(mainText, using: &generator)
                try directory.write("config.yaml", mainText)
            }
            for index in edited {
                texts[index] = ConfigSessionTests.mutate(texts[index], using: &generator)
                try directory.write(Self.files[index], texts[index])
            }
            guard let change = Self.reloadAndCompare(&session) else {
                // Refused: start the next round from good files.
                texts = Self.files.indices.map(Self.serviceFile)
                mainText = Self.main
                edited = Array(texts.indices)
                try directory.write("config.yaml", mainText)
                for index in edited { try directory.write(Self.files[index], texts[index]) }
                #expect(Self.reloadAndCompare(&session) != nil)
                continue
            }
            accepted += 1
            if change.readPartially { partial += 1 }
        }
        print("random service-file edits: \(accepted) accepted, \(partial) of them read partially")
        #expect(accepted > ConfigSessionTests.rounds / 4)
        #expect(partial > ConfigSessionTests.rounds / 8)
        #expect(accepted > partial)
    }
}
