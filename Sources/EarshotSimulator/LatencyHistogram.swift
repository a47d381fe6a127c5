/// A log-linear histogram of durations in microseconds: exact below 64 µs, then 64 buckets per
/// power of two (under 1.6 % error). Recording is an increment, with no allocation; histograms
/// from different event loops or processes merge by adding counts.
public struct LatencyHistogram: Sendable, Equatable, Codable {
    private static let subBucketBits = 6
    private static let subBuckets = 1 << subBucketBits
    /// Enough buckets for 2^40 µs (about 12 days); larger values land in the last one.
    private static let bucketCount = subBuckets * (40 - subBucketBits + 2)

    private var counts: [UInt64]
    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// The largest value recorded, exact.
    public private(set) var maxMicroseconds: UInt64 = 0
    /// Sum of all values, for the mean.
    public private(set) var sumMicroseconds: UInt64 = 0

    public init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// Records one duration; negative values count as zero.
    @inline(__always)
    public mutating func record(microseconds: Int64) {
        let v = UInt64(max(0, microseconds))
        counts[Self.index(v)] &+= 1
        count &+= 1
        sumMicroseconds &+= v
        if v > maxMicroseconds { maxMicroseconds = v }
    }

    /// Records one duration in nanoseconds.
    @inline(__always)
    public mutating func record(nanoseconds: Int64) { record(microseconds: nanoseconds / 1000) }

    /// Adds another histogram's counts.
    public mutating func merge(_ other: LatencyHistogram) {
        for i in 0..<Self.bucketCount where other.counts[i] != 0 { counts[i] &+= other.counts[i] }
        count &+= other.count
        sumMicroseconds &+= other.sumMicroseconds
        maxMicroseconds = max(maxMicroseconds, other.maxMicroseconds)
    }

    /// The value below which `fraction` (0…1) of the recorded values fall, in milliseconds
    /// (the bucket's upper edge, capped by the maximum); `nil` when empty.
    public func percentileMilliseconds(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, UInt64((Double(count) * fraction).rounded(.up)))
        var seen: UInt64 = 0
        for i in 0..<Self.bucketCount where counts[i] != 0 {
            seen += counts[i]
            if seen >= rank { return Double(min(Self.upperEdge(i), maxMicroseconds)) / 1000 }
        }
        return Double(maxMicroseconds) / 1000
    }

    /// Mean in milliseconds; `nil` when empty.
    public var meanMilliseconds: Double? {
        count > 0 ? Double(sumMicroseconds) / Double(count) / 1000 : nil
    }

    /// The maximum in milliseconds; `nil` when empty.
    public var maxMilliseconds: Double? { count > 0 ? Double(maxMicroseconds) / 1000 : nil }

    /// p50, p99 and max, for reports.
    public var summary: LatencySummary {
        LatencySummary(count: Int(count), p50: percentileMilliseconds(0.5), p99: percentileMilliseconds(0.99),
                       max: maxMilliseconds, mean: meanMilliseconds)
    }

    @inline(__always)
    static func index(_ v: UInt64) -> Int {
        if v < UInt64(subBuckets) { return Int(v) }
        // v >> shift lands in [64, 128): 64 sub-buckets for each power of two.
        let shift = (63 - v.leadingZeroBitCount) - subBucketBits
        return min((shift << subBucketBits) + Int(v >> UInt64(shift)), bucketCount - 1)
    }

    /// The largest value that falls in bucket `i`.
    static func upperEdge(_ i: Int) -> UInt64 {
        if i < subBuckets { return UInt64(i) }
        let shift = UInt64((i >> subBucketBits) - 1)
        let mantissa = UInt64(i & (subBuckets - 1) + subBuckets)
        return ((mantissa + 1) << shift) - 1
    }

    // Sparse coding keeps a report's JSON small: [[bucket, count], …].
    private enum CodingKeys: String, CodingKey { case buckets, count, maxMicroseconds, sumMicroseconds }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        for pair in try c.decode([[UInt64]].self, forKey: .buckets) where pair.count == 2 && pair[0] < UInt64(Self.bucketCount) {
            counts[Int(pair[0])] = pair[1]
        }
        count = try c.decode(UInt64.self, forKey: .count)
        maxMicroseconds = try c.decode(UInt64.self, forKey: .maxMicroseconds)
        sumMicroseconds = try c.decode(UInt64.self, forKey: .sumMicroseconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let pairs = counts.indices.filter { counts[$0] != 0 }.map { [UInt64($0), counts[$0]] }
        try c.encode(pairs, forKey: .buckets)
        try c.encode(count, forKey: .count)
        try c.encode(maxMicroseconds, forKey: .maxMicroseconds)
        try c.encode(sumMicroseconds, forKey: .sumMicroseconds)
    }
}

/// Percentiles of a set of durations, in milliseconds.
public struct LatencySummary: Sendable, Equatable, Codable, CustomStringConvertible {
    public var count: Int
    public var p50: Double?
    public var p99: Double?
    public var max: Double?
    public var mean: Double?

    public var description: String {
        guard count > 0 else { return "n=0" }
        return "p50 \(ms(p50)) p99 \(ms(p99)) max \(ms(max)) (n=\(count))"
    }
}

/// `12.3 ms`, or `–` for nothing.
func ms(_ value: Double?) -> String {
    guard let value else { return "–" }
    return value < 10 ? "\(value.formatted(decimals: 2)) ms" : "\(value.formatted(decimals: 1)) ms"
}

extension Double {
    /// Fixed decimals without Foundation's formatters.
    func formatted(decimals: Int) -> String {
        guard isFinite else { return "\(self)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = Int(scaled / scale)
        let frac = Int(scaled) - whole * Int(scale)
        var text = (self < 0 && scaled != 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let digits = String(frac)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }
}
