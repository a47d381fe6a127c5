import EarshotAudio
import Foundation
import NIOHTTP1

/// The scripts: what each route answers, faults included.
extension FakeProviderServer {
    func respond(to request: FakeRequest) -> [FakeStep] {
        let route = route(of: request)
        record {
            $0.requests[route, default: 0] += 1
            $0.lastRequest[route] = request
        }
        let knobs = currentKnobs
        if let refusal = authorizationFailure(request, route: route, knobs: knobs) { return refusal }
        let fault = knobs.fault(for: route)
        switch fault {
        case .status(let code, let body):
            return Self.fixed(HTTPResponseStatus(statusCode: code), body: body)
        case .neverAnswer:
            return [.hang]
        default:
            break
        }
        switch route {
        case .chat: return chatCompletion(knobs, fault: fault)
        case .transcription: return transcription(request, knobs, fault: fault)
        case .openAISpeech: return audioStream(Self.littleEndian(knobs.ttsPCM), contentType: "audio/pcm", knobs, fault: fault)
        case .elevenLabsSpeech: return audioStream(knobs.ttsMuLaw, contentType: "audio/basic", knobs, fault: fault)
        case .deepgramSpeak: return audioStream(knobs.ttsMuLaw, contentType: "audio/mulaw", knobs, fault: fault)
        case .deepgramListen: return deepgramBatch(request, knobs, fault: fault)
        case .deepgramLive:
            // Only a refused upgrade gets here (a wrong key is answered above).
            return Self.fixed(.badRequest, body: #"{"err_code":"Bad Request","err_msg":"expected a WebSocket upgrade"}"#)
        case .other:
            return request.method == .HEAD ? [.head(.notFound, ["content-length": "0"]), .end] : Self.fixed(.notFound, body: "not found")
        }
    }

    // MARK: Authorization

    private func authorizationFailure(_ request: FakeRequest, route: FakeRoute, knobs: FakeKnobs) -> [FakeStep]? {
        guard let key = knobs.expectedKey, route != .other else { return nil }
        let presented: String
        switch route {
        case .chat, .transcription, .openAISpeech:
            presented = request.headers.first(name: "Authorization")?.replacing("Bearer ", with: "") ?? ""
        case .elevenLabsSpeech:
            presented = request.headers.first(name: "xi-api-key") ?? ""
        default:
            presented = request.headers.first(name: "Authorization")?.replacing("Token ", with: "") ?? ""
        }
        guard presented != key else { return nil }
        // Real providers echo (part of) the key they were given; the client must scrub it.
        return Self.fixed(.unauthorized, body: #"{"error":{"message":"Incorrect API key provided: \#(presented)."}}"#)
    }

    // MARK: Chat completions (SSE)

    private func chatCompletion(_ knobs: FakeKnobs, fault: FakeFault?) -> [FakeStep] {
        var steps: [FakeStep] = [
            .head(.ok, ["content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"]),
            .wait(knobs.llmFirstTokenDelay),
        ]
        steps += sseEvent(Self.chatChunk(delta: #"{"role":"assistant","content":""}"#), knobs)
        for (index, token) in knobs.llmReply.enumerated() {
            if index > 0, knobs.llmTokenDelay > .zero { steps.append(.wait(knobs.llmTokenDelay)) }
            switch fault {
            case .cutMidway(let after) where index == after: return steps + [.cut]
            case .stall(let after) where index == after: return steps + [.hang]
            case .malformedJSON where index == 1: steps += sseEvent(#"{"choices":[{"delta":{"content":"#, knobs)
            default: break
            }
            steps += sseEvent(Self.chatChunk(delta: #"{"content":\#(Self.jsonString(token))}"#), knobs)
        }
        steps += sseEvent(Self.chatChunk(delta: "{}", finishReason: "stop"), knobs)
        steps += sseEvent("[DONE]", knobs)
        return steps + [.end]
    }

    private static func chatChunk(delta: String, finishReason: String? = nil) -> String {
        let finish = finishReason.map(jsonString) ?? "null"
        return #"{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"fake-model","#
            + #""choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(finish)}]}"#
    }

    /// `data: …` plus a blank line; with ``FakeKnobs/sseSplitWrites`` in three pieces cut inside
    /// the field name, the JSON and the line ending.
    private func sseEvent(_ data: String, _ knobs: FakeKnobs) -> [FakeStep] {
        let bytes = Array("data: \(data)\(knobs.sseLineEnding)\(knobs.sseLineEnding)".utf8)
        guard knobs.sseSplitWrites, bytes.count > 6 else { return [.body(bytes)] }
        let cuts = [2, bytes.count / 2, bytes.count - 1]
        var steps: [FakeStep] = []
        var start = 0
        for cut in cuts + [bytes.count] where cut > start {
            if start > 0 { steps.append(.wait(.milliseconds(1))) }
            steps.append(.body(Array(bytes[start..<cut])))
            start = cut
        }
        return steps
    }

    // MARK: TTS (raw audio, chunked)

    private func audioStream(_ audio: [UInt8], contentType: String, _ knobs: FakeKnobs, fault: FakeFault?) -> [FakeStep] {
        var steps: [FakeStep] = [.head(.ok, ["content-type": contentType]), .wait(knobs.ttsFirstByteDelay)]
        let size = max(1, knobs.ttsChunkBytes)
        for (index, start) in stride(from: 0, to: audio.count, by: size).enumerated() {
            if index > 0, knobs.ttsChunkDelay > .zero { steps.append(.wait(knobs.ttsChunkDelay)) }
            switch fault {
            case .cutMidway(let after) where index == after: return steps + [.cut]
            case .stall(let after) where index == after: return steps + [.hang]
            default: break
            }
            steps.append(.body(Array(audio[start..<min(start + size, audio.count)])))
        }
        return steps + [.end]
    }

    private static func littleEndian(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { sample -> [UInt8] in
            let bits = UInt16(bitPattern: sample)
            return [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8)]
        }
    }

    // MARK: Batch STT

    private func transcription(_ request: FakeRequest, _ knobs: FakeKnobs, fault: FakeFault?) -> [FakeStep] {
        guard let contentType = request.headers.first(name: "Content-Type"),
            let parts = MultipartParser.parse(request.body, contentType: contentType)
        else {
            return Self.openAIError(.badRequest, "request body is not multipart/form-data")
        }
        var fields: [String: String] = [:]
        for part in parts where part.filename == nil { fields[part.name] = part.text }
        guard let file = parts.first(where: { $0.name == "file" }), file.filename != nil else {
            return Self.openAIError(.badRequest, "no file part")
        }
        guard let audio = try? WAV.decode(file.bytes), audio.sampleRate == 8_000, !audio.samples.isEmpty else {
            return Self.openAIError(.badRequest, "file is not an 8 kHz WAV")
        }
        guard fields["model"] != nil else { return Self.openAIError(.badRequest, "model is required") }
        record {
            $0.transcriptionFields = fields
            $0.uploadedAudio = audio
        }
        return batchAnswer(#"{"text":\#(Self.jsonString(knobs.sttText))}"#, knobs, fault: fault)
    }

    private func deepgramBatch(_ request: FakeRequest, _ knobs: FakeKnobs, fault: FakeFault?) -> [FakeStep] {
        guard let audio = try? WAV.decode(request.body), audio.sampleRate == 8_000 else {
            return Self.fixed(.badRequest, body: #"{"err_code":"Bad Request","err_msg":"Bad Request: failed to process audio: corrupt or unsupported data"}"#)
        }
        record { $0.uploadedAudio = audio }
        let alternatives = #"[{"transcript":\#(Self.jsonString(knobs.sttText)),"confidence":0.97,"words":[]}]"#
        let body = #"{"metadata":{"request_id":"fake","duration":\#(Double(audio.milliseconds) / 1000),"channels":1},"#
            + #""results":{"channels":[{"alternatives":\#(alternatives)}]}}"#
        return batchAnswer(body, knobs, fault: fault)
    }

    private func batchAnswer(_ json: String, _ knobs: FakeKnobs, fault: FakeFault?) -> [FakeStep] {
        let bytes = Array(json.utf8)
        let head: [FakeStep] = [.wait(knobs.sttDelay)]
        switch fault {
        case .malformedJSON:
            return head + Self.fixed(.ok, body: "<html>this is not json</html>")
        case .cutMidway:
            return head + [.head(.ok, ["content-type": "application/json", "content-length": "\(bytes.count)"]), .body(Array(bytes.prefix(bytes.count / 2))), .cut]
        case .stall:
            return head + [.head(.ok, ["content-type": "application/json", "content-length": "\(bytes.count)"]), .hang]
        default:
            return head + Self.fixed(.ok, body: json)
        }
    }

    // MARK: Helpers

    static func fixed(_ status: HTTPResponseStatus, body: String, contentType: String = "application/json") -> [FakeStep] {
        let bytes = Array(body.utf8)
        return [.head(status, ["content-type": contentType, "content-length": "\(bytes.count)"]), .body(bytes), .end]
    }

    private static func openAIError(_ status: HTTPResponseStatus, _ message: String) -> [FakeStep] {
        fixed(status, body: #"{"error":{"message":\#(jsonString(message)),"type":"invalid_request_error"}}"#)
    }

    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
