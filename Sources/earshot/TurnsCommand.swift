import ArgumentParser
import EarshotAudio
import EarshotServer
import Foundation

/// `earshot turns`: the server's turn detector over a recording, as JSON events.
struct TurnsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turns",
        abstract: "Run the server's turn detector over raw 8 kHz μ-law (.ulaw/.raw) or a WAV and print its decisions.",
        discussion: """
            Output: [{"t_ms": N, "event": "speech_start"|"speech_end"}], where t_ms is the audio consumed when the \
            decision was made — the format of the turn-corpus scorer (score.py). With --out-dir, FILE may be a folder: \
            every .ulaw/.raw/.wav in it is processed and NAME.json written to the output folder.
            """
    )

    @Argument(help: "An audio file, or a folder with --out-dir.") var file: String
    @Option(help: "Write one NAME.json per input here instead of printing.") var outDir: String?
    @OptionGroup var turn: TurnOptions

    func run() throws {
        let configuration = try EarshotConfiguration.load(flags: turn.settings).session.turn
        guard let outDir else {
            print(try Self.eventsJSON(file: file, configuration: configuration))
            return
        }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let inputs: [String]
        if fm.fileExists(atPath: file, isDirectory: &isDir), isDir.boolValue {
            inputs = try fm.contentsOfDirectory(atPath: file).filter { ["ulaw", "raw", "wav"].contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted().map { (file as NSString).appendingPathComponent($0) }
        } else {
            inputs = [file]
        }
        try fm.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        for input in inputs {
            let name = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
            let json = try Self.eventsJSON(file: input, configuration: configuration)
            try json.write(toFile: (outDir as NSString).appendingPathComponent(name + ".json"), atomically: true, encoding: .utf8)
        }
        print("wrote \(inputs.count) file(s) to \(outDir)")
    }

    static func eventsJSON(file: String, configuration: TurnDetector.Configuration) throws -> String {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let ext = (file as NSString).pathExtension.lowercased()
        let muLaw = ext == "ulaw" || ext == "raw" ? bytes : try WAV.decode(bytes).telephoneMuLaw()
        let detector = try TurnDetector(configuration: configuration)
        let events = try detector.process(muLaw: muLaw)
        let items = events.map { e in
            "{\"t_ms\": \(e.milliseconds), \"event\": \"\(e.kind == .speechStarted ? "speech_start" : "speech_end")\"}"
        }
        return "[" + items.joined(separator: ", ") + "]"
    }
}
