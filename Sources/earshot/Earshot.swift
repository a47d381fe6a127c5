import ArgumentParser

/// `earshot`: a voice-AI gateway for phone calls.
@main
struct Earshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot",
        abstract: "A voice-AI gateway for phone calls (Twilio Media Streams).",
        subcommands: [ServeCommand.self, CallCommand.self, CompareCommand.self, LoadTestCommand.self, TurnsCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
