/// Digits to press during a call, each at a time from the start of the stream.
public struct DTMFSchedule: Sendable, Equatable, CustomStringConvertible {
    /// One key press.
    public struct Press: Sendable, Equatable, Codable {
        /// Milliseconds from the start of the stream.
        public var milliseconds: Int
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        public var digit: String

        public init(milliseconds: Int, digit: String) {
            self.milliseconds = milliseconds
            self.digit = digit
        }
    }

    /// Why a schedule string was rejected.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var entry: String
        public var description: String {
            "bad DTMF entry \(entry.debugDescription): expected MILLISECONDS:DIGIT, e.g. 1500:5,3000:#"
        }
    }

    /// Presses in time order.
    public private(set) var presses: [Press]

    public init(_ presses: [Press] = []) {
        self.presses = presses.sorted { $0.milliseconds < $1.milliseconds }
    }

    /// Parses `"1500:5,3000:#"`: comma-separated `milliseconds:digit` pairs.
    public init(parsing text: String) throws(ParseError) {
        var presses: [Press] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2,
                  let ms = Int(parts[0].trimmingWhitespace()), ms >= 0,
                  case let digit = String(parts[1].trimmingWhitespace()),
                  digit.count == 1, "0123456789*#ABCDabcd".contains(digit)
            else { throw ParseError(entry: String(entry)) }
            presses.append(Press(milliseconds: ms, digit: digit.uppercased()))
        }
        self.init(presses)
    }

    public var description: String {
        presses.map { "\($0.milliseconds):\($0.digit)" }.joined(separator: ",")
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
