import Foundation
import NIOCore

extension LoadGenerator {
    /// Runs the test in `processes` copies of a load-test executable and adds up their reports.
    ///
    /// Each child runs `executable` with `arguments` plus `--calls <share> --json` (the caller
    /// strips `--processes`, `--calls`, `--server-pid` and `--json` from `arguments`); its stdout
    /// goes to a temporary file, so a large report can never block it. This process measures the
    /// server itself, over the same steady window the children use. Children still running at
    /// duration + grace + 30 s are terminated.
    public func runInProcesses(executable: String, arguments: [String], processes: Int) async throws -> LoadReport {
        try validate()
        let c = configuration
        guard processes >= 1, processes <= c.calls else {
            throw SimulatorError.invalidConfiguration("--processes must be between 1 and --calls")
        }
        let serverSampler = c.serverPID.map(ProcessSampler.init(pid:))
        let idle = serverSampler?.sample()
        let directory = FileManager.default.temporaryDirectory
        var children: [(process: Process, output: URL, calls: Int)] = []
        defer { for child in children { try? FileManager.default.removeItem(at: child.output) } }

        let launched = NIODeadline.now()
        for k in 0..<processes {
            let share = c.calls / processes + (k < c.calls % processes ? 1 : 0)
            let output = directory.appendingPathComponent("earshot-loadtest-\(getpid())-\(k).json")
            guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
                throw SimulatorError.childProcessFailed("cannot create \(output.path)")
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments + ["--calls", String(share), "--json"]
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.standardError
            try process.run()
            children.append((process, output, share))
        }

        // Children take a moment to start; their steady window begins a little after ours would.
        let startup = TimeAmount.seconds(1)
        try? await sleep(until: launched + startup + (c.ramp + Self.settle(c)).timeAmount)
        let begin = serverSampler?.sample()
        try? await sleep(until: launched + c.duration.timeAmount)
        let end = serverSampler?.sample()

        let limit = launched + (c.duration + c.grace + .seconds(30)).timeAmount
        var reports: [LoadReport] = []
        var failures: [String: Int] = [:]
        var failedCalls = 0
        for (k, child) in children.enumerated() {
            while child.process.isRunning, NIODeadline.now() < limit {
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
            if child.process.isRunning {
                child.process.terminate()
                child.process.waitUntilExit()
            }
            let data = (try? Data(contentsOf: child.output)) ?? Data()
            if child.process.terminationStatus == 0, let report = try? JSONDecoder().decode(LoadReport.self, from: data) {
                reports.append(report)
            } else {
                failedCalls += child.calls
                failures["process \(k) exited with status \(child.process.terminationStatus)", default: 0] += child.calls
            }
        }
        guard var total = LoadReport.merge(reports) else {
            throw SimulatorError.childProcessFailed("no child process produced a report (\(failures.keys.sorted().joined(separator: "; ")))")
        }
        total.processes = processes
        total.callsRequested += failedCalls
        total.callsFailed += failedCalls
        total.failures.merge(failures, uniquingKeysWith: +)
        if let pid = c.serverPID, let idle, let begin, let end {
            // Calls still up at the end of the window: connected minus the ones that dropped.
            total.server = Self.serverUsage(pid: pid, idle: idle, begin: begin, end: end,
                                            calls: max(0, total.callsConnected - total.callsDropped))
        }
        return total
    }
}
