/// TwiML documents: the XML a Twilio voice webhook answers with.
///
/// Build a response from verbs — `TwiML.response(.say("One moment."), .connectStream(url: …))` —
/// or use the one-verb shortcuts. Every attribute and text is XML-escaped.
public enum TwiML {
    /// The XML declaration every document starts with.
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// One instruction in a `<Response>`.
    public enum Verb: Sendable {
        /// `<Say language=… voice=…>text</Say>`: speak with Twilio's text to speech.
        case say(String, language: String? = nil, voice: String? = nil)
        /// `<Play>url</Play>`: play an audio file.
        case play(url: String)
        /// `<Pause length="n"/>`: wait `seconds`.
        case pause(seconds: Int)
        /// `<Record …/>`: the record-then-webhook flow.
        case record(Record)
        /// `<Connect><Stream url=…><Parameter …/></Stream></Connect>`: a bidirectional media
        /// stream. The URL takes no query string; pass data as parameters instead.
        case connectStream(url: String, parameters: [(name: String, value: String)] = [])
        /// `<Redirect>url</Redirect>`: fetch the next TwiML from `url`.
        case redirect(url: String)
        /// `<Hangup/>`: end the call.
        case hangup

        /// The verb as XML.
        public var xml: String {
            switch self {
            case let .say(text, language, voice):
                "<Say\(attributes(("language", language), ("voice", voice)))>\(XMLText.escape(text))</Say>"
            case .play(let url):
                "<Play>\(XMLText.escape(url))</Play>"
            case .pause(let seconds):
                "<Pause\(attributes(("length", String(seconds))))/>"
            case .record(let record):
                record.xml
            case let .connectStream(url, parameters):
                "<Connect>\(streamElement(url: url, parameters: parameters))</Connect>"
            case .redirect(let url):
                "<Redirect>\(XMLText.escape(url))</Redirect>"
            case .hangup:
                "<Hangup/>"
            }
        }
    }

    /// The attributes of a `<Record>` verb.
    public struct Record: Hashable, Sendable {
        /// Webhook that receives `RecordingUrl`, `RecordingDuration`, `CallSid`, ….
        public var action: String
        /// Seconds of silence that end the recording.
        public var timeout: Int
        /// Longest recording, in seconds.
        public var maxLength: Int
        /// Whether Twilio beeps before recording.
        public var playBeep: Bool
        /// Whether Twilio trims leading and trailing silence (`trim-silence`) or not (`do-not-trim`).
        public var trim: Bool

        public init(action: String, timeout: Int = 5, maxLength: Int = 3600, playBeep: Bool = true, trim: Bool = true) {
            self.action = action
            self.timeout = timeout
            self.maxLength = maxLength
            self.playBeep = playBeep
            self.trim = trim
        }

        var xml: String {
            let text = attributes(
                ("action", action), ("timeout", String(timeout)), ("maxLength", String(maxLength)),
                ("playBeep", String(playBeep)), ("trim", trim ? "trim-silence" : "do-not-trim")
            )
            return "<Record\(text)/>"
        }
    }

    /// A complete document: the XML declaration and a `<Response>` holding `verbs` in order.
    public static func response(_ verbs: [Verb]) -> String {
        declaration + "<Response>" + verbs.map(\.xml).joined() + "</Response>"
    }

    /// A complete document holding `verbs` in order.
    public static func response(_ verbs: Verb...) -> String { response(verbs) }

    /// Connects the call to a bidirectional media stream at `url` (a `wss://` URL, no query string).
    public static func connectStream(url: String, parameters: [(name: String, value: String)] = []) -> String {
        response(.connectStream(url: url, parameters: parameters))
    }

    /// Ends the call.
    public static func hangup() -> String { response(.hangup) }

    /// Speaks `text` with Twilio's text to speech.
    public static func say(_ text: String, language: String? = nil) -> String { response(.say(text, language: language)) }

    /// Plays the audio at `url`.
    public static func play(_ url: String) -> String { response(.play(url: url)) }

    /// Waits `seconds`.
    public static func pause(seconds: Int) -> String { response(.pause(seconds: seconds)) }

    /// Records the caller and posts the recording to `action`.
    public static func record(action: String, timeout: Int = 5, maxLength: Int = 3600, playBeep: Bool = true, trim: Bool = true) -> String {
        response(.record(Record(action: action, timeout: timeout, maxLength: maxLength, playBeep: playBeep, trim: trim)))
    }
}

/// ` name="value"` for each attribute that has a value.
private func attributes(_ pairs: (String, String?)...) -> String {
    var text = ""
    for case let (name, value?) in pairs {
        text += " \(name)=\"\(XMLText.escape(value))\""
    }
    return text
}

private func streamElement(url: String, parameters: [(name: String, value: String)]) -> String {
    let open = "<Stream\(attributes(("url", url)))"
    guard !parameters.isEmpty else { return open + "/>" }
    let children = parameters.map { "<Parameter\(attributes(("name", $0.name), ("value", $0.value)))/>" }
    return open + ">" + children.joined() + "</Stream>"
}
