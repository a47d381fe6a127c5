@testable import EarshotFakes
import EarshotAudio
import Testing

@testable import EarshotProviders

@Suite("Deepgram speech to text against the fake")
struct DeepgramTranscriberTests {
    private func deepgram(_ fake: FakeProviderServer, _ client: ProviderHTTPClient, key: ProviderSecret? = "dg-key-0123456789abcdef",
                          timeout: Duration = .seconds(5), keepAlive: Duration? = nil) -> DeepgramTranscriber {
        DeepgramTranscriber(
            configuration: .init(baseURL: fake.baseURL, streamingURL: fake.webSocketURL, apiKey: key, model: "nova-3",
                                 extraParameters: ["keyterm": "Earshot"], timeout: timeout, connectTimeout: timeout,
                                 keepAliveInterval: keepAlive, closeGrace: .seconds(1)),
            client: client
        )
    }

    /// Sends `milliseconds` of audio in 20 ms frames, as the gateway does.
    private func stream(_ audio: [UInt8], to session: any SpeechToTextStream) {
        for start in stride(from: 0, to: audio.count, by: 160) {
            session.send(muLaw: Array(audio[start..<min(start + 160, audio.count)]))
        }
    }

    // MARK: Batch

    @Test func batchUploadsMuLawWAVAndReadsTheBestAlternative() async throws {
        try await withFakeProviders { fake, client in
            let audio = FakeAudio.utterance(milliseconds: 800)
            let transcript = try await deepgram(fake, client).transcribe(muLaw: audio, language: "en-US")
            #expect(transcript == Transcript(text: fake.sttText, isFinal: true, confidence: 0.97))
            let request = try #require(fake.stats.lastRequest[.deepgramListen])
            #expect(request.headers.first(name: "Authorization") == "Token dg-key-0123456789abcdef")
            #expect(request.headers.first(name: "Content-Type") == "audio/wav")
            #expect(request.query("model") == "nova-3")
            #expect(request.query("language") == "en-US")
            #expect(request.query("smart_format") == "true")
            #expect(request.query("keyterm") == "Earshot")
            let uploaded = try #require(fake.stats.uploadedAudio)
            #expect(uploaded.encoding == .muLaw)
            #expect(uploaded.samples == MuLaw.decode(audio))
        }
    }

    @Test func batchFaults() async throws {
        try await withFakeProviders { fake, client in
            let quick = deepgram(fake, client, timeout: .milliseconds(300))
            let patient = deepgram(fake, client, timeout: .seconds(10))
            let audio = FakeAudio.utterance(milliseconds: 200)
            let cases: [(FakeFault, String)] = [
                (.status(400, body: #"{"err_code":"Bad Request"}"#), "http"), (.malformedJSON, "malformed"),
                (.cutMidway(afterChunks: 0), "disconnected"), (.neverAnswer, "timeout"),
            ]
            for (fault, kind) in cases {
                fake.fault = fault
                let stt = kind == "timeout" ? quick : patient
                let error = await providerError { _ = try await stt.transcribe(muLaw: audio, language: "en") }
                #expect(error?.kind == kind, "\(fault) → \(String(describing: error))")
            }
            fake.fault = nil
            let error = await providerError { _ = try await deepgram(fake, client, key: nil).transcribe(muLaw: audio, language: "en") }
            #expect(error?.kind == "unavailable")
        }
    }

    // MARK: Live

    @Test func liveSessionGivesInterimsThenTheWholeUtteranceOnFinalize() async throws {
        try await withFakeProviders { fake, client in
            fake.sttText = "one two three four five six seven"
            fake.liveSegmentWords = 3
            let session = try #require(try await deepgram(fake, client).openStream(language: "en-US"))

            let request = try #require(fake.stats.lastRequest[.deepgramLive])
            #expect(request.headers.first(name: "Authorization") == "Token dg-key-0123456789abcdef")
            for (name, value) in [("encoding", "mulaw"), ("sample_rate", "8000"), ("channels", "1"), ("interim_results", "true"),
                                  ("model", "nova-3"), ("language", "en-US")] {
                #expect(request.query(name) == value, "\(name)")
            }

            // 1 s of audio: five words heard, the first three closed as a segment.
            stream(FakeAudio.utterance(milliseconds: 1_000), to: session)
            #expect(await fake.waitUntil { $0.liveAudioBytes == 8_000 })
            session.finalize()

            var received: [Transcript] = []
            for try await transcript in session.transcripts {
                received.append(transcript)
                if transcript.isFinal { break }
            }
            #expect(received.map(\.text) == [
                "one", "one two", "one two three",  // interims, then the closed segment (still interim)
                "one two three four", "one two three four five",
                "one two three four five six seven",  // Finalize: the whole utterance, once
            ])
            #expect(received.map(\.isFinal) == [false, false, false, false, false, true])
            #expect(received.last?.confidence == 0.9)

            session.close()
            var after: [Transcript] = []
            for try await transcript in session.transcripts { after.append(transcript) }
            #expect(after.isEmpty, "CloseStream after a finalize has nothing more to say")
            let stats = fake.stats
            #expect(stats.liveMessages == ["Finalize", "CloseStream"])
            #expect(stats.liveSessionsClosedCleanly == 1)
        }
    }

    @Test func closeStreamFlushesWhatWasHeard() async throws {
        try await withFakeProviders { fake, client in
            fake.sttText = "hello there friend"
            let session = try #require(try await deepgram(fake, client).openStream(language: "en"))
            stream(FakeAudio.utterance(milliseconds: 400), to: session)
            #expect(await fake.waitUntil { $0.liveAudioBytes == 3_200 })
            session.close()
            session.send(muLaw: FakeAudio.utterance(milliseconds: 100))  // ignored after close
            let all = try await collect(session.transcripts)
            #expect(all.last == Transcript(text: "hello there friend", isFinal: true, confidence: 0.9))
            #expect(all.filter(\.isFinal).count == 1)
            #expect(fake.stats.liveAudioBytes == 3_200)
        }
    }

    @Test(arguments: [(Duration.milliseconds(100), 10), (.milliseconds(20), 50)])
    func audioFramesAreBatchedIntoFewerMessages(batch: Duration, messages: Int) async throws {
        try await withFakeProviders { fake, client in
            let stt = DeepgramTranscriber(
                configuration: .init(streamingURL: fake.webSocketURL, apiKey: "k", keepAliveInterval: nil, audioBatch: batch),
                client: client
            )
            let session = try #require(try await stt.openStream(language: "en"))
            stream(FakeAudio.utterance(milliseconds: 1_000), to: session)
            #expect(await fake.waitUntil { $0.liveAudioBytes == 8_000 })
            #expect(fake.stats.liveAudioMessages == messages)

            // A partial batch goes out before the Finalize that follows it, not after.
            stream(FakeAudio.utterance(milliseconds: 40), to: session)
            session.finalize()
            #expect(await fake.waitUntil { $0.liveMessages == ["Finalize"] })
            #expect(fake.stats.liveAudioBytesBeforeMessage == [8_320])
            session.close()
            _ = try await collect(session.transcripts)
        }
    }

    @Test func keepAliveIsSentPeriodically() async throws {
        try await withFakeProviders { fake, client in
            let session = try #require(try await deepgram(fake, client, keepAlive: .milliseconds(50)).openStream(language: "en"))
            #expect(await fake.waitUntil { $0.liveMessages.filter { $0 == "KeepAlive" }.count >= 3 })
            session.close()
            _ = try await collect(session.transcripts)
        }
    }

    @Test func refusedHandshakeIsHTTPWithoutTheKey() async throws {
        try await withFakeProviders { fake, client in
            fake.expectedKey = "dg-right-key-000000"
            let error = await providerError { _ = try await deepgram(fake, client, key: "dg-WRONG-key-123456").openStream(language: "en") }
            guard case .http(let status, let body) = error else {
                Issue.record("expected .http, got \(String(describing: error))")
                return
            }
            #expect(status == 401)
            #expect(!body.contains("WRONG"))

            fake.expectedKey = nil
            fake.fault = .status(503, body: "busy")
            let busy = await providerError { _ = try await deepgram(fake, client).openStream(language: "en") }
            #expect(busy == .http(status: 503, body: "busy"))
        }
    }

    @Test func handshakeThatNeverCompletesTimesOut() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .neverAnswer
            let start = ContinuousClock.now
            let error = await providerError { _ = try await deepgram(fake, client, timeout: .milliseconds(300)).openStream(language: "en") }
            #expect(error?.kind == "timeout")
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func socketCutMidSessionFailsTheTranscripts() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .cutMidway(afterChunks: 2)
            let session = try #require(try await deepgram(fake, client).openStream(language: "en"))
            stream(FakeAudio.utterance(milliseconds: 1_000), to: session)
            var received: [Transcript] = []
            let error = await providerError {
                for try await transcript in session.transcripts { received.append(transcript) }
            }
            #expect(error?.kind == "disconnected", "\(String(describing: error))")
            #expect(received.map(\.text) == ["I", "I would"])
        }
    }

    @Test func malformedMessageFailsTheTranscripts() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .malformedJSON
            let session = try #require(try await deepgram(fake, client).openStream(language: "en"))
            stream(FakeAudio.utterance(milliseconds: 1_000), to: session)
            let error = await providerError { _ = try await collect(session.transcripts) }
            #expect(error?.kind == "malformed")
            #expect(await fake.waitUntil { $0.connectionsClosed == $0.connectionsOpened })
        }
    }

    @Test func cancellingTheConsumerClosesTheSocket() async throws {
        try await withFakeProviders { fake, client in
            let session = try #require(try await deepgram(fake, client).openStream(language: "en"))
            let consumer = Task {
                for try await _ in session.transcripts {}
            }
            stream(FakeAudio.utterance(milliseconds: 200), to: session)
            #expect(await fake.waitUntil { $0.liveAudioBytes == 1_600 })
            consumer.cancel()
            _ = try? await consumer.value
            #expect(await fake.waitUntil(timeout: .seconds(1)) { $0.responsesAbandoned == 1 })
            session.send(muLaw: [0xFF])  // harmless after the socket is gone
        }
    }

    @Test func missingKeyIsUnavailable() async throws {
        try await withFakeProviders { fake, client in
            let error = await providerError { _ = try await deepgram(fake, client, key: nil).openStream(language: "en") }
            #expect(error?.kind == "unavailable")
        }
    }

    @Test func secureURLWorksOrSaysWhyNot() async throws {
        // No TLS server here: a wss:// URL either tries TLS (and fails on the plain socket) or,
        // in a build without NIOSSL, is refused up front as unavailable. Both are ProviderErrors.
        try await withFakeProviders { fake, client in
            let stt = DeepgramTranscriber(
                configuration: .init(streamingURL: "wss://127.0.0.1:\(fake.port ?? 0)", apiKey: "k", connectTimeout: .milliseconds(500)),
                client: client
            )
            let error = await providerError { _ = try await stt.openStream(language: "en") }
            #expect(error != nil)
        }
    }
}

@Suite("Deepgram segments folded into utterances")
struct DeepgramUtteranceTests {
    private func result(_ text: String, final: Bool = false, speechFinal: Bool = false, fromFinalize: Bool = false) -> DeepgramMessage {
        DeepgramMessage(type: "Results", transcript: text, isFinal: final, speechFinal: speechFinal, fromFinalize: fromFinalize, confidence: 0.8)
    }

    @Test func speechFinalClosesTheUtterance() {
        var utterance = DeepgramUtterance()
        #expect(utterance.handle(result("hel"))?.text == "hel")
        #expect(utterance.handle(result("hello", final: true)) == Transcript(text: "hello", isFinal: false, confidence: 0.8))
        #expect(utterance.handle(result("")) == nil, "empty interims are dropped")
        #expect(utterance.handle(result("wor"))?.text == "hello wor")
        #expect(utterance.handle(result("world", final: true, speechFinal: true)) == Transcript(text: "hello world", isFinal: true, confidence: 0.8))
        #expect(utterance.handle(result("next"))?.text == "next", "a new utterance starts clean")
    }

    @Test func finalizeAnswersEvenWhenNothingWasSaid() {
        var utterance = DeepgramUtterance()
        #expect(utterance.handle(result("", final: true, fromFinalize: true)) == Transcript(text: "", isFinal: true, confidence: nil))
        #expect(utterance.handle(result("", final: true, speechFinal: true)) == nil, "silence alone is not an utterance")
    }

    @Test func utteranceEndFlushes() {
        var utterance = DeepgramUtterance()
        _ = utterance.handle(result("book a table", final: true))
        #expect(utterance.handle(DeepgramMessage(type: "UtteranceEnd"))?.text == "book a table")
        #expect(utterance.handle(DeepgramMessage(type: "UtteranceEnd")) == nil)
        #expect(utterance.handle(DeepgramMessage(type: "Metadata")) == nil)
    }

    @Test func messagesDecodeLeniently() throws {
        let results = try ProviderJSON.decode(
            DeepgramMessage.self,
            from: #"{"type":"Results","is_final":true,"speech_final":false,"channel":{"alternatives":[{"transcript":"hi","confidence":0.5}]}}"#,
            what: "t"
        )
        #expect(results.transcript == "hi" && results.isFinal == true && results.confidence == 0.5)
        let end = try ProviderJSON.decode(DeepgramMessage.self, from: #"{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.1}"#, what: "t")
        #expect(end.type == "UtteranceEnd" && end.transcript == nil)
    }
}
