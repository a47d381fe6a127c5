import NIOCore

/// WebSocket opcodes the carrier side writes.
enum ClientOpcode: UInt8 {
    case text = 0x1
    case close = 0x8
    case pong = 0xA
}

/// Builds masked client frames (RFC 6455 §5.3) straight into one `ByteBuffer`: the message is
/// written in place, masked in place, and the header is set in front of it. Sending a frame is
/// then one buffer and one allocation — no `WebSocketFrame` box, no second buffer for the header.
struct ClientFrameBuilder {
    /// Room for the longest client header: 2 + 8 (length) + 4 (mask).
    private static let headroom = 14
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// A frame whose payload `write` puts into at most `capacity` bytes, returning the count.
    mutating func frame(
        _ opcode: ClientOpcode, capacity: Int, allocator: ByteBufferAllocator,
        _ write: (UnsafeMutableRawBufferPointer) -> Int
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: Self.headroom + capacity)
        buffer.moveWriterIndex(to: Self.headroom)
        buffer.moveReaderIndex(to: Self.headroom)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { space in
            write(UnsafeMutableRawBufferPointer(rebasing: space[0..<capacity]))
        }
        let key = UInt32(truncatingIfNeeded: random.next())
        let length = buffer.readableBytes
        buffer.withUnsafeMutableReadableBytes { Self.mask($0, key: key) }
        // Header, back to front so it ends where the payload starts.
        var at = Self.headroom - 4
        buffer.setInteger(key, at: at, endianness: .little)
        let lengthByte: UInt8
        switch length {
        case 0...125:
            lengthByte = UInt8(length)
        case 126...0xFFFF:
            at -= 2
            buffer.setInteger(UInt16(length), at: at)
            lengthByte = 126
        default:
            at -= 8
            buffer.setInteger(UInt64(length), at: at)
            lengthByte = 127
        }
        at -= 2
        buffer.setInteger(0x80 | opcode.rawValue, at: at)   // FIN
        buffer.setInteger(0x80 | lengthByte, at: at + 1)    // MASK
        buffer.moveReaderIndex(to: at)
        return buffer
    }

    /// A frame carrying `bytes`.
    mutating func frame(_ opcode: ClientOpcode, bytes: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        frame(opcode, capacity: bytes.count, allocator: allocator) { space in
            space.copyBytes(from: bytes)
            return bytes.count
        }
    }

    /// XOR with the key's bytes in wire order (the key is stored little-endian, so its low
    /// byte goes first), eight bytes at a time.
    private static func mask(_ bytes: UnsafeMutableRawBufferPointer, key: UInt32) {
        guard let base = bytes.baseAddress else { return }
        let wide = UInt64(key) | UInt64(key) << 32
        var i = 0
        while i + 8 <= bytes.count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            base.storeBytes(of: (word ^ wide.littleEndian), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            bytes[i] ^= UInt8(truncatingIfNeeded: key >> (UInt32(i & 3) * 8))
            i += 1
        }
    }
}

/// A fast, non-cryptographic generator for masking keys and jitter (Vigna's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sits first in the pipeline, next to the socket, so frames built by ``ClientFrameBuilder``
/// skip SwiftNIO's frame encoder. Inbound data passes through untouched to the decoder.
final class ClientFrameOutlet: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    /// Writes an encoded frame; `flush` when it is the last of a batch.
    @inline(__always)
    func write(_ frame: ByteBuffer, flush: Bool = true) {
        guard let context else { return }
        if flush {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    func flush() { context?.flush() }
}
