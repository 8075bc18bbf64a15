import Foundation
import KubernetesAPI
import Testing

/// The API types read what the API server sends, ignoring what they do not know.
struct DecodingTests {
    @Test("a ServiceList: every field a proxy reads, unknown ones ignored")
    func services() throws {
        let list = try Build.decode(ObjectList<KubernetesService>.self, Fixtures.serviceList)
        #expect(list.rejected.isEmpty)
        #expect(list.metadata.resourceVersion == "48213")
        #expect(list.items.map(\.metadata.key) == ["shop/web", "shop/db", "shop/upstream", "kube-system/dns"])
        let web = try #require(list.items.first?.spec)
        #expect(web.type == "LoadBalancer")
        #expect(web.clusterIPs == ["10.96.12.34", "fd00:10:96::1234"])
        #expect(web.ipFamilies == ["IPv4", "IPv6"])
        #expect(web.ports?.first?.targetPort == .string("http"))
        #expect(web.ports?.last?.targetPort == .int(8443))
        #expect(web.ports?.first?.nodePort == 30080)
        #expect(web.sessionAffinityConfig?.clientIP?.timeoutSeconds == 600)
        #expect(web.healthCheckNodePort == 32000)
        #expect(web.trafficDistribution == "PreferClose")
        let ingress = list.items[0].status?.loadBalancer?.ingress
        #expect(ingress?.map(\.ipMode) == ["VIP", "Proxy", nil])
        #expect(ingress?.last?.hostname == "lb.example.com")
        #expect(list.items[0].metadata.annotations?["ipvsctl-swift.io/scheduler"] == "mh")
        #expect(list.items[2].spec?.externalName == "api.example.com")
    }

    @Test("an EndpointSliceList: conditions and hints optional, FQDN slices decode too")
    func slices() throws {
        let list = try Build.decode(ObjectList<EndpointSlice>.self, Fixtures.sliceList)
        #expect(list.rejected.isEmpty)
        #expect(list.items.map(\.addressType) == ["IPv4", "IPv6", "FQDN", "IPv4"])
        let first = try #require(list.items.first?.endpoints?.first)
        #expect(first.hints?.forNodes?.map(\.name) == ["node-a"])
        #expect(first.hints?.forZones?.map(\.name) == ["zone-1"])
        #expect(first.conditions == EndpointSlice.Conditions(ready: true, serving: true, terminating: false))
        #expect(list.items[1].endpoints?.first?.conditions == EndpointSlice.Conditions())
        #expect(list.items[0].ports?.map(\.port) == [8080, 8443])
        #expect(list.items[0].metadata.labels?[WellKnownLabel.serviceName] == "web")
    }

    @Test("a Node: zone label, pod CIDRs, typed addresses")
    func node() throws {
        let node = try Build.decode(KubernetesNode.self, Fixtures.node)
        #expect(node.metadata.labels?[WellKnownLabel.zone] == "zone-1")
        #expect(node.spec?.podCIDRs == ["10.244.1.0/24", "fd00:10:244:1::/64"])
        #expect(node.spec?.podCIDR == "10.244.1.0/24")
        #expect(node.status?.addresses?.map(\.type) == ["InternalIP", "InternalIP", "ExternalIP", "Hostname"])
    }

    @Test("collection paths")
    func paths() {
        #expect(KubernetesService.collectionPath == "/api/v1/services")
        #expect(EndpointSlice.collectionPath == "/apis/discovery.k8s.io/v1/endpointslices")
        #expect(KubernetesNode.collectionPath == "/api/v1/nodes")
    }

    @Test("a port number where a string belongs rejects that item only")
    func rejectedItem() throws {
        let json =
            #"{"metadata": {}, "items": [{"metadata": {"name": "a", "namespace": "n"}, "spec": {"clusterIP": 7}},"#
            + #" {"metadata": {"name": "b", "namespace": "n"}, "spec": {"clusterIP": "10.0.0.1"}}]}"#
        let list = try Build.decode(ObjectList<KubernetesService>.self, json)
        #expect(list.items.map(\.metadata.name) == ["b"])
        #expect(list.rejected.map(\.key) == ["n/a"])
    }

    @Test("targetPort: a number or a name")
    func intOrString() throws {
        #expect(try Build.decode([IntOrString].self, #"[8080, "http"]"#) == [.int(8080), .string("http")])
    }
}
