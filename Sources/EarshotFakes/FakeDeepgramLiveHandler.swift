import NIOCore
import NIOWebSocket

/// Deepgram's live protocol on the server side of an upgraded socket: binary frames are
/// audio; as audio arrives the words of ``FakeKnobs/sttText`` are "heard" one at a time and
/// reported as interim `Results`, every ``FakeKnobs/liveSegmentWords`` words closing a segment
/// with `is_final: true`. `Finalize` flushes all words (`from_finalize: true`); `CloseStream`
/// flushes, sends `Metadata` and closes with 1000.
final class FakeDeepgramLiveHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let server: FakeProviderServer
    private let words: [String]
    private let knobs: FakeKnobs
    private var nextWord = 0
    private var segment: [String] = []
    private var audioSinceResult = 0
    private var audioBytes = 0
    private var resultsSent = 0
    private var closedCleanly = false

    init(server: FakeProviderServer) {
        self.server = server
        self.knobs = server.currentKnobs
        self.words = knobs.sttText.split(separator: " ").map(String.init)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            receiveAudio(frame.unmaskedData.readableBytes, context: context)
        case .text:
            receiveControl(String(buffer: frame.unmaskedData), context: context)
        case .connectionClose:
            if closedCleanly {
                context.close(promise: nil)  // the echo of our own close frame
            } else {
                closedCleanly = true
                server.record { $0.liveSessionsClosedCleanly += 1 }
                sendClose(context: context)
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closedCleanly { server.record { $0.responsesAbandoned += 1 } }
        context.fireChannelInactive()
    }

    private func receiveAudio(_ count: Int, context: ChannelHandlerContext) {
        audioBytes += count
        server.record {
            $0.liveAudioBytes += count
            $0.liveAudioMessages += 1
        }
        audioSinceResult += count
        while audioSinceResult >= knobs.liveInterimEveryBytes, nextWord < words.count {
            audioSinceResult -= knobs.liveInterimEveryBytes
            segment.append(words[nextWord])
            nextWord += 1
            if segment.count >= knobs.liveSegmentWords {
                sendResult(segment, isFinal: true, context: context)
                segment.removeAll()
            } else {
                sendResult(segment, isFinal: false, context: context)
            }
        }
    }

    private func receiveControl(_ text: String, context: ChannelHandlerContext) {
        let type = text.firstRange(of: #""type":""#).map { text[$0.upperBound...].prefix { $0 != "\"" } }.map(String.init) ?? "?"
        server.record { [audioBytes] in
            $0.liveMessages.append(type)
            $0.liveAudioBytesBeforeMessage.append(audioBytes)
        }
        switch type {
        case "Finalize":
            flush(fromFinalize: true, context: context)
        case "CloseStream":
            flush(fromFinalize: false, context: context)
            send(#"{"type":"Metadata","transaction_key":"deprecated","request_id":"fake","duration":1.0,"channels":1}"#, context: context)
            closedCleanly = true
            server.record { $0.liveSessionsClosedCleanly += 1 }
            sendClose(context: context)
        default:
            break  // KeepAlive
        }
    }

    /// Everything not yet reported, as one final segment.
    private func flush(fromFinalize: Bool, context: ChannelHandlerContext) {
        let rest = segment + words[nextWord...]
        nextWord = words.count
        segment.removeAll()
        if fromFinalize || !rest.isEmpty {
            sendResult(Array(rest), isFinal: true, speechFinal: !fromFinalize, fromFinalize: fromFinalize, context: context)
        }
    }

    private func sendResult(_ words: [String], isFinal: Bool, speechFinal: Bool = false, fromFinalize: Bool = false, context: ChannelHandlerContext) {
        switch knobs.fault(for: .deepgramLive) {
        case .cutMidway(let after) where resultsSent >= after:
            context.close(promise: nil)
            return
        case .stall(let after) where resultsSent >= after:
            return
        case .malformedJSON where resultsSent == 1:
            send(#"{"type":"Results","channel":{"#, context: context)
        default:
            break
        }
        resultsSent += 1
        let transcript = FakeProviderServer.jsonString(words.joined(separator: " "))
        send(
            #"{"type":"Results","channel_index":[0,1],"duration":0.2,"start":0.0,"is_final":\#(isFinal),"#
                + #""speech_final":\#(speechFinal),"from_finalize":\#(fromFinalize),"#
                + #""channel":{"alternatives":[{"transcript":\#(transcript),"confidence":0.9,"words":[]}]},"#
                + #""metadata":{"request_id":"fake","model_info":{"name":"fake","version":"1","arch":"fake"}}}"#,
            context: context
        )
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    private func sendClose(context: ChannelHandlerContext) {
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}
