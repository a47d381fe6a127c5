import Foundation
import Glibc

/// Reads another process's CPU time and resident memory from `/proc` (Linux only).
public struct ProcessSampler: Sendable {
    /// One reading.
    public struct Sample: Sendable, Equatable {
        /// User + system CPU time so far, in seconds.
        public var cpuSeconds: Double
        /// Resident set size in kilobytes.
        public var rssKilobytes: Int
        /// Monotonic time of the reading, in nanoseconds.
        public var uptimeNanoseconds: UInt64
    }

    public let pid: Int32
    private let ticksPerSecond: Double

    public init(pid: Int32) {
        self.pid = pid
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        self.ticksPerSecond = Double(ticks > 0 ? ticks : 100)
    }

    /// Reads the process's counters now; `nil` if it is gone or `/proc` is unavailable.
    public func sample() -> Sample? {
        guard let stat = Self.read("/proc/\(pid)/stat"), let status = Self.read("/proc/\(pid)/status") else { return nil }
        // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
        guard let paren = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: paren)...].split(separator: " ")
        // After ')' come field 3 (state) onward, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return Sample(cpuSeconds: (utime + stime) / ticksPerSecond, rssKilobytes: rss,
                      uptimeNanoseconds: DispatchTime.now().uptimeNanoseconds)
    }

    /// Reads a small `/proc` file (they report size 0, so read until end of file).
    private static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
