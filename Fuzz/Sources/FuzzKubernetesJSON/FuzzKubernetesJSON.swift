import Foundation
import FuzzSupport
import KubernetesAPI
import KubernetesMapping

/// A list or object body from the API server, decoded as the reflector decodes it (Service,
/// EndpointSlice and Node lists; a Node; a Status), then mapped to the desired model the way
/// the agent maps its snapshot.
///
/// Property: a list that decodes accounts for each of its items, decoded or rejected.
@main
enum FuzzKubernetesJSON {
    static func main() { runLibFuzzer { data, size in fuzzOne(data, size) } }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let json = Data(fuzzInput(data, size))
    let decoder = JSONDecoder()
    let services = try? decoder.decode(ObjectList<KubernetesService>.self, from: json)
    let slices = try? decoder.decode(ObjectList<EndpointSlice>.self, from: json)
    let nodes = try? decoder.decode(ObjectList<KubernetesNode>.self, from: json)
    let node = try? decoder.decode(KubernetesNode.self, from: json)
    let service = try? decoder.decode(KubernetesService.self, from: json)
    let slice = try? decoder.decode(EndpointSlice.self, from: json)
    _ = try? decoder.decode(Status.self, from: json)

    if services != nil || slices != nil || nodes != nil {
        let count = itemCount(json)
        for (kind, accounted) in [
            ("services", services.map { $0.items.count + $0.rejected.count }),
            ("slices", slices.map { $0.items.count + $0.rejected.count }),
            ("nodes", nodes.map { $0.items.count + $0.rejected.count }),
        ] {
            guard let accounted else { continue }
            require(accounted == count, "a list of \(count) \(kind) accounts for \(accounted)")
        }
    }

    let snapshot = ClusterSnapshot(
        services: (services?.items ?? []) + (service.map { [$0] } ?? []),
        slices: (slices?.items ?? []) + (slice.map { [$0] } ?? []),
        node: node ?? nodes?.items.first)
    let nodeName = snapshot.node?.metadata.name ?? "node-a"
    _ = KubernetesMapping.map(snapshot, nodeName: nodeName)
    return 0
}

/// How many elements the top-level object's `items` array has (0 without one).
private func itemCount(_ json: Data) -> Int {
    struct Counted: Decodable {
        /// Any JSON value, read or not.
        struct Anything: Decodable { init(from decoder: any Decoder) {} }
        var items: [Anything]?
    }
    return ((try? JSONDecoder().decode(Counted.self, from: json))?.items?.count) ?? 0
}
