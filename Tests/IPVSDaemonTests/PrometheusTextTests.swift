import Testing

@testable import IPVSDaemon

struct PrometheusTextTests {
    @Test(
        "counters are written in decimal, from 0 to the kernel's largest 64-bit value",
        arguments: [
            0, 7, 9, 10, 99, 100, 1_234_567_890, 5_000_000_000, UInt64.max - 1, UInt64.max,
        ] as [UInt64])
    func decimal(_ value: UInt64) {
        var bytes: [UInt8] = Array("x ".utf8)
        PrometheusText.appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x \(value)")
    }

    @Test("label values escape backslash, quote and newline, and nothing else")
    func escaping() {
        #expect(PrometheusText.escapedLabelValue("default/web") == "default/web")
        #expect(PrometheusText.escapedLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd")
    }
}
