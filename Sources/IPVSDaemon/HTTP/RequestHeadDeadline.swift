import NIOCore
import NIOHTTP1

/// Closes a connection whose request head does not arrive whole within the limit after its first
/// byte. A client that trickles its header holds a socket, never the event loop; hundreds of
/// them would still hold every descriptor until the idle timeout, which only counts silence.
///
/// Two handlers share one clock: ``RawBytes``, before the HTTP decoder, starts it on the first
/// byte of a request; ``RequestParts``, after it, stops it when the head is decoded and re-arms
/// it when the response has been written. Bytes that arrive while a request is being answered
/// (a body, a pipelined request) do not start it.
final class RequestHeadDeadline {
    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?
    private var answering = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    private func bytesArrived(_ context: ChannelHandlerContext) {
        guard !answering, scheduled == nil else { return }
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            context.close(promise: nil)
        }
    }

    private func headArrived() {
        answering = true
        scheduled?.cancel()
        scheduled = nil
    }

    private func responseEnded() {
        answering = false
    }

    /// Before the HTTP decoder: sees the raw bytes.
    final class RawBytes: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer
        private let deadline: RequestHeadDeadline

        init(_ deadline: RequestHeadDeadline) { self.deadline = deadline }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            deadline.bytesArrived(context)
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            deadline.headArrived()  // cancels the timer with the connection
            context.fireChannelInactive()
        }
    }

    /// After the HTTP decoder: sees request heads come in and response ends go out.
    final class RequestParts: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart
        private let deadline: RequestHeadDeadline

        init(_ deadline: RequestHeadDeadline) { self.deadline = deadline }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head = unwrapInboundIn(data) { deadline.headArrived() }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { deadline.responseEnded() }
            context.write(data, promise: promise)
        }
    }
}
