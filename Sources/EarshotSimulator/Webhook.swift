import AsyncHTTPClient
import EarshotTwilio
import NIOCore
import NIOHTTP1

/// The call's first step, as Twilio does it: POST the voice webhook, read the TwiML back.
enum Webhook {
    /// Where TwiML told the carrier to stream, and the parameters to pass on in `start`.
    struct Stream: Sendable {
        var url: StreamURL
        var parameters: [(name: String, value: String)]
    }

    /// The form Twilio posts when an inbound call rings.
    static func ringingParameters(callSid: String, accountSid: String, from: String, to: String,
                                  extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        [
            ("AccountSid", accountSid), ("ApiVersion", "2010-04-01"), ("CallSid", callSid),
            ("CallStatus", "ringing"), ("Called", to), ("Caller", from), ("Direction", "inbound"),
            ("From", from), ("To", to),
        ] + extra
    }

    /// POSTs `parameters` to `url`, signed over `signedURL` (the URL Twilio would have used;
    /// `url` by default) when `authToken` is set, and returns the TwiML's stream.
    static func post(
        url: String, signedURL: String? = nil, parameters: [(name: String, value: String)], authToken: String?,
        client: HTTPClient, timeout: TimeAmount
    ) async throws -> Stream {
        let (_, text) = try await postForm(url: url, signedURL: signedURL, parameters: parameters, authToken: authToken,
                                           client: client, timeout: timeout)
        guard let instruction = TwiML.streamInstruction(in: text) else {
            throw SimulatorError.noStreamInTwiML(reason: "no <Stream url=…> in \(text.prefix(200).debugDescription)")
        }
        guard instruction.isBidirectional else {
            throw SimulatorError.noStreamInTwiML(reason: "<Stream> is not inside <Connect> (one-way streams carry no bot audio)")
        }
        return Stream(url: try StreamURL(instruction.url), parameters: instruction.parameters)
    }
}

extension Webhook {
    /// POSTs `parameters` as Twilio posts any webhook, signed over `signedURL` (`url` by
    /// default) when `authToken` is set; returns the answer if its status is 200.
    static func postForm(
        url: String, signedURL: String? = nil, parameters: [(name: String, value: String)], authToken: String?,
        client: HTTPClient, timeout: TimeAmount
    ) async throws -> (response: HTTPClientResponse, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1 (earshot simulator)")
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: TwilioIdentifier.make(""))
        if let authToken {
            let signature = try TwilioSignature.compute(authToken: authToken, url: signedURL ?? url, parameters: parameters)
            request.headers.add(name: "X-Twilio-Signature", value: signature)
        }
        request.body = .bytes(ByteBuffer(string: FormURLEncoded.encode(parameters)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw SimulatorError.connectFailed("webhook POST \(url): \(error)")
        }
        let text = String(buffer: body)
        guard response.status == .ok else {
            throw SimulatorError.webhookFailed(status: Int(response.status.code), body: text)
        }
        return (response, text)
    }

    /// The form of a webhook during the call (a `<Redirect>`, say): the ringing form with
    /// `CallStatus=in-progress`.
    static func inProgressParameters(callSid: String, accountSid: String, from: String, to: String,
                                     extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        ringingParameters(callSid: callSid, accountSid: accountSid, from: from, to: to, extra: extra).map {
            $0.name == "CallStatus" ? ($0.name, "in-progress") : $0
        }
    }

    /// The webhook URL as Twilio would see it: `publicURL` (https://host, as the server is
    /// configured) plus the path, or `nil` to sign the URL actually posted to.
    static func signedURL(publicURL: String?, path: String) -> String? {
        guard var base = publicURL, !base.isEmpty else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
