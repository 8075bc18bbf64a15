import NIOCore

/// Closes a connection that sent nothing for the read timeout of the `IdleStateHandler` in front
/// of it, so that a client that connects and goes quiet cannot hold a socket forever.
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
