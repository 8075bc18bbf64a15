import KubernetesAPI

/// A small object of the tests' own, so that these tests need none of the real API types.
struct TestPod: KubernetesObject, Equatable {
    static let collectionPath = "/api/v1/testpods"

    struct Spec: Codable, Equatable, Sendable {
        var weight: Int
    }

    var metadata: ObjectMeta
    var spec: Spec

    init(_ name: String, namespace: String = "default", resourceVersion: String, weight: Int = 1) {
        metadata = ObjectMeta(name: name, namespace: namespace, resourceVersion: resourceVersion)
        spec = Spec(weight: weight)
    }
}

/// JSON the scripted server sends, built as text so that tests can also send what no encoder
/// would (a bad item, a garbage line).
enum APIJSON {
    static func pod(_ name: String, resourceVersion: String, weight: Int = 1) -> String {
        #"{"metadata":{"name":"\#(name)","namespace":"default","resourceVersion":"\#(resourceVersion)"},"spec":{"weight":\#(weight)}}"#
    }

    /// A pod whose `spec.weight` is a string: decodes as a rejected object.
    static func badPod(_ name: String, resourceVersion: String) -> String {
        #"{"metadata":{"name":"\#(name)","namespace":"default","resourceVersion":"\#(resourceVersion)"},"spec":{"weight":"heavy"}}"#
    }

    static func list(_ items: [String], resourceVersion: String, continue token: String? = nil) -> String {
        let next = token.map { #","continue":"\#($0)""# } ?? ""
        return
            #"{"kind":"TestPodList","metadata":{"resourceVersion":"\#(resourceVersion)"\#(next)},"items":[\#(items.joined(separator: ","))]}"#
    }

    static func event(_ type: String, _ object: String) -> String {
        #"{"type":"\#(type)","object":\#(object)}"#
    }

    static func bookmark(_ resourceVersion: String) -> String {
        event("BOOKMARK", #"{"kind":"TestPod","metadata":{"resourceVersion":"\#(resourceVersion)"}}"#)
    }

    static func status(_ code: Int, reason: String, message: String = "") -> String {
        #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":\#(code),"reason":"\#(reason)","message":"\#(message)"}"#
    }

    static func expiredEvent() -> String {
        event("ERROR", status(410, reason: "Expired", message: "too old resource version"))
    }
}
