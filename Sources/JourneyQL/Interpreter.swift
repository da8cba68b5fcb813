// An interpreter for embedders: statements that build on one another, run one list at a time.
internal import JourneyEngine
import Synchronization

/// What a statement produces, in order.
public enum StatementOutput: Sendable, Hashable {
    /// A result table (TIMES, STAGES and others give more than one).
    case result(StatementResult)
    /// A warning or note the statement ran with (with `strict`, warnings are errors and stop the run instead).
    case diagnostic(Diagnostic)
    /// A message for people: an import's summary, a definition stored, EXPLAIN's plan, TRACE's lines.
    case message(String)
    /// What an EXPECT found. A failed one does not stop the run: the script goes on, and `diagnostic` says where
    /// and why.
    case expectation(passed: Bool, summary: String, diagnostic: Diagnostic?)

    init(_ event: SessionEvent, in source: SourceText) {
        switch event {
        case .result(let result): self = .result(StatementResult(result))
        case .diagnostic(let diagnostic, _): self = .diagnostic(Diagnostic(diagnostic, in: source))
        case .message(let text): self = .message(text)
        case .expectation(let outcome, _):
            self = .expectation(passed: outcome.holds, summary: outcome.summary,
                                diagnostic: outcome.diagnostic.map { Diagnostic($0, in: source) })
        }
    }
}

/// Runs JourneyQL statements on one store, keeping what they define: `LET`, `STAGE` and `SEGMENT` definitions (in
/// the store), `SET now`, and the last result for `EXPECT`.
///
/// An `Interpreter` is `Sendable`; the statement lists given to it run one at a time, in the order they arrive.
/// Several interpreters on one store run at the same time, each on a connection of its own.
///
/// ```swift
/// let interpreter = try Store(path: "journey.db", access: .readWrite).makeInterpreter()
/// for try await output in interpreter.outputs(of: script, name: "weekly.jql") {
///     if case .result(let result) = output { print(result.formatted(as: .table)) }
/// }
/// ```
public final class Interpreter: Sendable {
    private let box: SessionBox
    /// Warnings are errors: a statement that draws one does not run, and the run stops there.
    public let strict: Bool

    init(box: SessionBox, strict: Bool) {
        self.box = box
        self.strict = strict
    }

    /// Runs `statements` and returns everything they produced, in order. The first error stops the run and is
    /// thrown; what ran before it stays done (a definition stays stored). Cancelling the calling task stops the
    /// statement that is running, with ``JourneyError/Code/cancelled``.
    ///
    /// - Parameters:
    ///   - statements: one or more statements separated by `;`.
    ///   - name: how diagnostics name the text (`weekly.jql`).
    ///   - parameters: values for `$name` in the statements, as text (`["since": "2024-01-01"]`).
    public func run(_ statements: String, name: String = "<input>",
                    parameters: [String: String] = [:]) async throws(JourneyError) -> [StatementOutput] {
        try await box.run(statements, name: name, parameters: parameters, strict: strict, stream: nil)
    }

    /// The outputs of a script as they come: each statement's results, warnings and messages as soon as it has
    /// run. The sequence ends after the last statement, or throws the ``JourneyError`` that stopped the script.
    /// Cancelling the consuming task (or dropping the sequence) stops the statement that is running.
    public func outputs(of script: String, name: String = "<script>",
                        parameters: [String: String] = [:]) -> AsyncThrowingStream<StatementOutput, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StatementOutput, any Error>.makeStream()
        let box = self.box
        let strict = self.strict
        let task = Task {
            do throws(JourneyError) {
                _ = try await box.run(script, name: name, parameters: parameters, strict: strict,
                                      stream: { continuation.yield($0) })
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Stops the statement running now, from any thread; it fails with ``JourneyError/Code/cancelled``.
    public func interrupt() {
        box.interrupt()
    }
}
