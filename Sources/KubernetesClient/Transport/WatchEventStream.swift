import AsyncHTTPClient
import KubernetesAPI
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The events of one watch, decoded line by line as the body streams in.
///
/// A line that is not a watch event (not JSON, an unknown `type`) comes out as
/// ``WatchEvent/rejected(type:_:)`` and the stream goes on: lines are framed independently, so
/// one bad line says nothing about the next, and re-watching from the same resourceVersion
/// would only replay it. An object that fails to decode inside a good line is rejected the
/// same way, by ``WatchEvent``'s decoder.
public struct WatchEventStream<Object: KubernetesObject>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>

    let body: HTTPClientResponse.Body
    /// The request's path and query, for errors.
    let request: String
    let maximumLineLength: Int

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            body: body.makeAsyncIterator(), request: request,
            splitter: WatchLineSplitter(maximumLineLength: maximumLineLength))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        let request: String
        var splitter: WatchLineSplitter
        var pending: [[UInt8]] = []
        var nextPending = 0
        var bodyEnded = false

        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                if nextPending < pending.count {
                    defer { nextPending += 1 }
                    return WatchEventDecoding.decode(pending[nextPending], as: Object.self)
                }
                if bodyEnded { return nil }
                pending = []
                nextPending = 0
                let chunk: ByteBuffer?
                do {
                    chunk = try await body.next()
                } catch {
                    throw KubernetesHTTPClient.mapTransportError(error, request: request)
                }
                guard let chunk else {
                    bodyEnded = true
                    if let last = splitter.finish() { pending = [last] }
                    continue
                }
                do {
                    pending = try splitter.append(chunk)
                } catch {
                    throw KubernetesAPIError(.malformedResponse, "\(request): \(error)", request: request, cause: error)
                }
            }
        }
    }
}

enum WatchEventDecoding {
    /// The `type` of a rejected line that was not a watch event at all.
    static let undecodableType = "UNDECODABLE"

    static func decode<Object: KubernetesObject>(_ line: [UInt8], as: Object.Type) -> WatchEvent<Object> {
        do {
            return try JSONDecoder().decode(WatchEvent<Object>.self, from: Data(line))
        } catch {
            let preview = String(decoding: line.prefix(80), as: UTF8.self)
            let reason = "not a watch event (\(DecodingProblem.describe(error))): \(preview)"
            return .rejected(type: undecodableType, RejectedObject(key: nil, reason: reason))
        }
    }
}
