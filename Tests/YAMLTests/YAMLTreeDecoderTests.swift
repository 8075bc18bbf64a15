import Testing
import YAML

/// `Decodable` values from YAML text by way of the tree: what scalars mean, what is missing,
/// and where a wrong value is.
struct YAMLTreeDecoderTests {
    struct Cluster: Decodable, Equatable {
        var name: String
        var port: UInt16?
        var insecure: Bool?
        var weight: Double?
        var tags: [String]?
        enum CodingKeys: String, CodingKey {
            case name, port, weight, tags
            case insecure = "insecure-skip-tls-verify"
        }
    }

    struct Document: Decodable, Equatable {
        var clusters: [Cluster]
        var current: String?
    }

    func decode(_ text: String) throws -> Document { try YAMLTreeDecoder().decode(Document.self, from: text) }

    /// The one line a `DecodingError` says, as the kubeconfig reader reports it.
    func description(of text: String) -> String? {
        do {
            _ = try decode(text)
            return nil
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context)
        {
            return context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription
        } catch DecodingError.keyNotFound(let key, let context) {
            return (context.codingPath + [key]).map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription
        } catch {
            return "\(error)"
        }
    }

    @Test("scalars mean what YAML 1.1 says; any scalar but null reads as a string; null is absent")
    func scalars() throws {
        let document = try decode(
            """
            clusters:
            - {name: a, port: 443, insecure-skip-tls-verify: yes, weight: 1.5, tags: [x, 7, true]}
            - name: 8080
              port: ~
              insecure-skip-tls-verify: off
              weight: 2
            current: null
            """)
        #expect(
            document
                == Document(
                    clusters: [
                        Cluster(name: "a", port: 443, insecure: true, weight: 1.5, tags: ["x", "7", "true"]),
                        Cluster(name: "8080", port: nil, insecure: false, weight: 2, tags: nil),
                    ], current: nil))
    }

    @Test("an alias reads as the node it names")
    func aliases() throws {
        let document = try decode("clusters:\n- &first {name: a, port: 1}\n- *first\ncurrent: b")
        #expect(document.clusters == [Cluster(name: "a", port: 1), Cluster(name: "a", port: 1)])
        #expect(document.current == "b")
    }

    @Test("a wrong value is named by its path, what was expected, what is there and where")
    func located() {
        #expect(description(of: "clusters: 5") == "clusters: expected a sequence, found '5' (line 1, column 11)")
        #expect(
            description(of: "clusters:\n- name: a\n  port: 70000")
                == "clusters.0.port: expected an integer within 0...65535, found '70000' (line 3, column 9)")
        #expect(
            description(of: "clusters:\n- name: a\n  insecure-skip-tls-verify: maybe")
                == "clusters.0.insecure-skip-tls-verify: expected true or false, found 'maybe' (line 3, column 29)")
        #expect(
            description(of: "clusters:\n- name: [a]") == "clusters.0.name: expected a string, found a sequence (line 2, column 9)")
        #expect(description(of: "clusters:\n- port: 1") == "clusters.0.name: missing, found a mapping (line 2, column 3)")
    }

    @Test("text that is not YAML, or holds no document, is refused with libyaml's position")
    func notYAML() {
        #expect(
            description(of: "clusters: [a")
                == ": line 2, column 1: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 11)")
        #expect(description(of: "") == ": the document is empty")
        #expect(description(of: "a: 1\na: 2") == ": line 1, column 1: keys written twice in one mapping: a")
    }
}
