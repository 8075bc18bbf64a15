import KubernetesAPI
import Testing

@testable import KubernetesClient

@Suite struct QueryTests {
    @Test func aContinueTokenLeavesTheResourceVersionOut() {
        let query = ListQuery(limit: 500, continueToken: "abc", resourceVersion: "0", resourceVersionMatch: .notOlderThan)
        #expect(query.queryItems.map { "\($0)=\($1)" } == ["limit=500", "continue=abc"])
    }

    @Test func selectorsAndVersionsAreEncodedAsQueryComponents() {
        let query = ListQuery(
            selector: ObjectSelector(labelSelector: "!a,b in (x y)", fieldSelector: "metadata.name=n"),
            resourceVersion: "12", resourceVersionMatch: .exact)
        #expect(
            requestTarget(path: "/api/v1/testpods", query: query.queryItems)
                == "/api/v1/testpods?labelSelector=%21a%2Cb%20in%20%28x%20y%29&fieldSelector=metadata.name%3Dn&resourceVersion=12&resourceVersionMatch=Exact"
        )
    }

    @Test func aWatchWithoutVersionOrTimeout() {
        let query = WatchQuery(resourceVersion: "", allowBookmarks: false)
        #expect(query.queryItems.map { "\($0)=\($1)" } == ["watch=1"])
    }
}

@Suite struct ObjectStoreTests {
    @Test func aListReplacesEverythingAndEventsApplyOnTop() {
        var store = ObjectStore<TestPod>()
        let listed = store.apply(
            .replaced(
                items: [TestPod("a", resourceVersion: "1"), TestPod("b", resourceVersion: "2")],
                rejected: [], resourceVersion: "10"))
        #expect(listed == ["default/a", "default/b"])
        #expect(store.apply(.event(.added(TestPod("c", resourceVersion: "11")))) == ["default/c"])
        #expect(store.apply(.event(.modified(TestPod("a", resourceVersion: "12", weight: 5)))) == ["default/a"])
        #expect(store.apply(.event(.deleted(TestPod("b", resourceVersion: "13")))) == ["default/b"])
        #expect(store.apply(.event(.rejected(type: "ADDED", RejectedObject(key: "default/x", reason: "bad")))).isEmpty)
        #expect(store.objects.keys.sorted() == ["default/a", "default/c"])
        #expect(store.objects["default/a"]?.spec.weight == 5)
        // A relist: what is not listed again is gone; what is listed as it was is no change.
        let relisted = store.apply(
            .replaced(
                items: [TestPod("c", resourceVersion: "11"), TestPod("d", resourceVersion: "21")], rejected: [], resourceVersion: "20"))
        #expect(relisted == ["default/a", "default/d"])
        #expect(store.objects.keys.sorted() == ["default/c", "default/d"])
        #expect(store.listResourceVersion == "20")
    }
}
