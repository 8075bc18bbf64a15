import CNftables
import NftablesWire

/// One libnftables context (`struct nft_ctx`), JSON in and out, errors buffered. Not shared:
/// made, used and freed on one thread, so that its netlink socket belongs to the namespace
/// that thread is in.
final class NftablesContext {
    private let context: OpaquePointer

    /// `nft_ctx_new`, with JSON output and buffered output and errors.
    init() throws(NftablesError) {
        guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw NftablesError(.unavailable, "libnftables could not make a context")
        }
        self.context = context
        nft_ctx_output_set_flags(context, UInt32(NFT_CTX_OUTPUT_JSON))
        _ = nft_ctx_buffer_output(context)
        _ = nft_ctx_buffer_error(context)
    }

    deinit { nft_ctx_free(context) }

    /// Runs one JSON document (`nft_run_cmd_from_buffer`): its commands are one transaction.
    /// With `dryRun` the kernel checks the transaction and applies none of it
    /// (`nft_ctx_set_dry_run`, as `nft --check`). Returns the buffered output.
    func run(_ document: JSONValue, dryRun: Bool = false) -> (ok: Bool, output: String, error: String) {
        nft_ctx_set_dry_run(context, dryRun)
        var text = document.encoded()
        text.append(0)
        let status = text.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { nft_run_cmd_from_buffer(context, $0.baseAddress) }
        }
        let output = nft_ctx_get_output_buffer(context).map { String(cString: $0) } ?? ""
        let error = nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? ""
        return (status == 0, output, error.trimmingTrailingNewlines)
    }
}

extension String {
    fileprivate var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
