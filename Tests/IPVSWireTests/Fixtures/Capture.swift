/// One exchange with the kernel: what was sent and every datagram that came back.
struct Capture {
    var sent: [UInt8]
    var received: [[UInt8]]
}
