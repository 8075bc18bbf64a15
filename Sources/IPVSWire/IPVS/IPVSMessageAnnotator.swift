/// Describes IPVS netlink datagrams attribute by attribute, for byte fixtures and debug traces:
/// each line is the bytes of one header or attribute with what they mean.
public enum IPVSMessageAnnotator {
    public struct Line: Sendable {
        public var bytes: ArraySlice<UInt8>
        public var depth: Int
        public var comment: String
    }

    /// The lines of `datagram`, or one opaque line for whatever cannot be parsed.
    public static func annotate(_ datagram: [UInt8]) -> [Line] {
        var lines: [Line] = []
        guard let messages = try? NetlinkDatagram.messages(in: datagram) else {
            return [Line(bytes: datagram[...], depth: 0, comment: "unparsable datagram")]
        }
        for message in messages {
            let start = message.payload.startIndex - NetlinkMessageHeader.size
            let header = message.header
            lines.append(
                Line(
                    bytes: datagram[start..<message.payload.startIndex], depth: 0,
                    comment:
                        "nlmsghdr: len \(header.length), type \(typeName(header.type)), flags \(flagNames(header.flags, type: header.type)), seq \(header.sequence), pid \(header.portID)"
                ))
            switch header.type {
            case NetlinkControlType.error:
                annotateError(message, into: &lines)
            case NetlinkControlType.done:
                lines.append(Line(bytes: message.payload, depth: 1, comment: "NLMSG_DONE payload (int 0)"))
            default:
                guard message.payload.count >= GenericNetlinkHeader.size else { continue }
                let genl = message.payload.prefix(GenericNetlinkHeader.size)
                let command = genl[genl.startIndex]
                let commandName = IPVSCommand(rawValue: command).map { "\($0)" } ?? "\(command)"
                lines.append(
                    Line(
                        bytes: genl, depth: 0, comment: "genlmsghdr: cmd \(command) (\(commandName)), version \(genl[genl.startIndex + 1])")
                )
                let scope: Scope = command == IPVSCommand.setInfo.rawValue || command == IPVSCommand.getInfo.rawValue ? .info : .command
                annotateAttributes(message.payload.dropFirst(GenericNetlinkHeader.size), scope: scope, depth: 1, into: &lines)
            }
            let end = start + Int(header.length)
            let padded = min(datagram.endIndex, start + netlinkAligned(Int(header.length)))
            if padded > end { lines.append(Line(bytes: datagram[end..<padded], depth: 0, comment: "padding")) }
        }
        return lines
    }

    private enum Scope { case command, info, service, destination, statistics, statistics64 }

    private static func annotateError(_ message: NetlinkMessage, into lines: inout [Line]) {
        let payload = message.payload
        guard payload.count >= 4 + NetlinkMessageHeader.size else {
            lines.append(Line(bytes: payload, depth: 1, comment: "truncated error payload"))
            return
        }
        var cursor = ByteCursor(payload)
        let errno = Int32(bitPattern: cursor.u32())
        lines.append(Line(bytes: payload.prefix(4), depth: 1, comment: errno == 0 ? "error 0: ACK" : "error \(errno) (-errno)"))
        lines.append(
            Line(bytes: payload.dropFirst(4).prefix(NetlinkMessageHeader.size), depth: 1, comment: "header of the request it answers"))
        let rest = payload.dropFirst(4 + NetlinkMessageHeader.size)
        if !rest.isEmpty {
            lines.append(
                Line(
                    bytes: rest, depth: 1,
                    comment: message.header.flags.contains(.acknowledgementTLVs) ? "extended ACK attributes" : "echoed request payload"))
        }
    }

    private static func annotateAttributes(_ block: ArraySlice<UInt8>, scope: Scope, depth: Int, into lines: inout [Line]) {
        var offset = block.startIndex
        while block.endIndex - offset >= 4 {
            var cursor = ByteCursor(block, from: offset)
            let length = Int(cursor.u16())
            let rawType = cursor.u16()
            guard length >= 4, offset + length <= block.endIndex else {
                lines.append(Line(bytes: block[offset...], depth: depth, comment: "malformed attribute"))
                return
            }
            let type = rawType & AttributeTypeBits.typeMask
            let nested = rawType & AttributeTypeBits.nested != 0
            let name = attributeName(type, scope: scope)
            let value = block[(offset + 4)..<(offset + length)]
            let padded = min(block.endIndex, offset + netlinkAligned(length))
            if let inner = nestedScope(type, scope: scope) {
                lines.append(
                    Line(
                        bytes: block[offset..<(offset + 4)], depth: depth,
                        comment: "\(name) (nested\(nested ? "" : ", flag unset"), \(length) bytes)"))
                annotateAttributes(value, scope: inner, depth: depth + 1, into: &lines)
            } else {
                lines.append(
                    Line(bytes: block[offset..<padded], depth: depth, comment: "\(name) = \(render(value, type: type, scope: scope))"))
            }
            offset = padded
        }
    }

    private static func nestedScope(_ type: UInt16, scope: Scope) -> Scope? {
        switch (scope, type) {
        case (.command, CommandAttribute.service): .service
        case (.command, CommandAttribute.destination): .destination
        case (.service, ServiceAttribute.statistics), (.destination, DestinationAttribute.statistics): .statistics
        case (.service, ServiceAttribute.statistics64), (.destination, DestinationAttribute.statistics64): .statistics64
        default: nil
        }
    }

    private static func attributeName(_ type: UInt16, scope: Scope) -> String {
        let names: [String]
        switch scope {
        case .command: names = ["UNSPEC", "SERVICE", "DEST", "DAEMON", "TIMEOUT_TCP", "TIMEOUT_TCP_FIN", "TIMEOUT_UDP"]
        case .info: names = ["UNSPEC", "VERSION", "CONN_TAB_SIZE"]
        case .service:
            names = [
                "UNSPEC", "AF", "PROTOCOL", "ADDR", "PORT", "FWMARK", "SCHED_NAME", "FLAGS", "TIMEOUT", "NETMASK", "STATS", "PE_NAME",
                "STATS64",
            ]
        case .destination:
            names = [
                "UNSPEC", "ADDR", "PORT", "FWD_METHOD", "WEIGHT", "U_THRESH", "L_THRESH", "ACTIVE_CONNS", "INACT_CONNS", "PERSIST_CONNS",
                "STATS", "ADDR_FAMILY", "STATS64", "TUN_TYPE", "TUN_PORT", "TUN_FLAGS",
            ]
        case .statistics, .statistics64:
            names = ["UNSPEC", "CONNS", "INPKTS", "OUTPKTS", "INBYTES", "OUTBYTES", "CPS", "INPPS", "OUTPPS", "INBPS", "OUTBPS", "PAD"]
        }
        let prefix =
            switch scope {
            case .command: "IPVS_CMD_ATTR_"
            case .info: "IPVS_INFO_ATTR_"
            case .service: "IPVS_SVC_ATTR_"
            case .destination: "IPVS_DEST_ATTR_"
            case .statistics, .statistics64: "IPVS_STATS_ATTR_"
            }
        return prefix + (Int(type) < names.count ? names[Int(type)] : "\(type)")
    }

    private static func render(_ value: ArraySlice<UInt8>, type: UInt16, scope: Scope) -> String {
        var cursor = ByteCursor(value)
        let isString = (scope == .service && (type == ServiceAttribute.schedulerName || type == ServiceAttribute.persistenceEngineName))
        let isAddress =
            (scope == .service && type == ServiceAttribute.address) || (scope == .destination && type == DestinationAttribute.address)
        let isPort =
            (scope == .service && type == ServiceAttribute.port)
            || (scope == .destination && (type == DestinationAttribute.port || type == DestinationAttribute.tunnelPort))
        if isString {
            return "\"" + String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) + "\\0\""
        }
        if isAddress {
            return value.map { String($0) }.joined(separator: ".") + " (16 bytes, nf_inet_addr)"
        }
        if isPort, value.count == 2 {
            return "\(UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])) (network order)"
        }
        if scope == .service && type == ServiceAttribute.flags && value.count == 8 {
            let flags = cursor.u32()
            let mask = cursor.u32()
            return "flags 0x\(String(flags, radix: 16)), mask 0x\(String(mask, radix: 16))"
        }
        switch value.count {
        case 1: return "\(value[value.startIndex]) (u8)"
        case 2: return "\(cursor.u16()) (u16)"
        case 4: return "\(cursor.u32()) (u32)"
        case 8: return "\(cursor.u64()) (u64)"
        default: return "\(value.count) bytes"
        }
    }

    private static func typeName(_ type: UInt16) -> String {
        switch type {
        case NetlinkControlType.error: "NLMSG_ERROR"
        case NetlinkControlType.done: "NLMSG_DONE"
        default: "\(type) (IPVS family)"
        }
    }

    /// The 0x100 and 0x200 bits mean ROOT|MATCH (a dump) on requests, CAPPED and ACK_TLVS on errors.
    private static func flagNames(_ flags: NetlinkMessageFlags, type: UInt16) -> String {
        var names: [String] = []
        if flags.contains(.request) { names.append("REQUEST") }
        if flags.contains(.multi) { names.append("MULTI") }
        if flags.contains(.ack) { names.append("ACK") }
        if flags.contains(.dumpInterrupted) { names.append("DUMP_INTR") }
        if type == NetlinkControlType.error {
            if flags.contains(.capped) { names.append("CAPPED") }
            if flags.contains(.acknowledgementTLVs) { names.append("ACK_TLVS") }
        } else if flags.contains(.dump) {
            names.append("DUMP")
        }
        return names.isEmpty ? "0" : names.joined(separator: "|")
    }
}
