import Testing
import Foundation
@testable import EarshotTwilio

/// Messages shaped exactly like Twilio's (DESIGN.md, "Protocol reference: Twilio Media Streams").
enum Wire {
    static let streamSid = "MZ18ad3ab5a668481ce02b83e7395059f0"
    static let accountSid = "AC25e16e9a716a4a1786a7c83f58e30482"
    static let callSid = "CA2c2ab0e3ef0c5c2f7a6d1c2a0e9f1b3d"

    /// 160 bytes of μ-law, a 20 ms frame; its base64 holds `+` and `/`.
    static let muLaw: [UInt8] = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) }
    static var payload: String { Data(muLaw).base64EncodedString() }

    static let connected = #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#
    static let start = #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"\#(accountSid)","streamSid":"\#(streamSid)","callSid":"\#(callSid)","tracks":["inbound"],"customParameters":{"caller":"+14155550100","lang":"en-US"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"\#(streamSid)"}"#
    static var media: String {
        #"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"\#(payload)"},"streamSid":"\#(streamSid)"}"#
    }
    static let dtmf = #"{"event":"dtmf","streamSid":"\#(streamSid)","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#
    static let mark = #"{"event":"mark","sequenceNumber":"6","streamSid":"\#(streamSid)","mark":{"name":"sentence-3"}}"#
    static let stop = #"{"event":"stop","sequenceNumber":"7","stop":{"accountSid":"\#(accountSid)","callSid":"\#(callSid)"},"streamSid":"\#(streamSid)"}"#

    /// The JSON object `bytes` holds, via Foundation's independent parser.
    static func dictionary(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }
}

/// Scans a string's UTF-8 with the inbound fast path.
func scanInbound(_ text: String) -> MediaStreamScanner.ScanResult {
    Array(text.utf8).withUnsafeBytes { MediaStreamScanner.scan($0) }
}

/// Scans a string's UTF-8 with the outbound fast path.
func scanOutbound(_ text: String) -> OutboundMessageScanner.ScanResult {
    Array(text.utf8).withUnsafeBytes { OutboundMessageScanner.scan($0) }
}

/// The text a scanned range covers.
func text(_ range: Range<Int>, in message: String) -> String {
    String(decoding: Array(message.utf8)[range], as: UTF8.self)
}
