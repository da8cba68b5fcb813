// How a statement fails, and the one map from failures to exit statuses (sysexits) that every front end uses.
import JourneyStore

/// Why a run stopped early. Exit codes follow sysexits: 65 for bad input, 70 for internal failures.
package struct RunFailure: Error, Sendable {
    package var diagnostics: [Diagnostic]
    /// The diagnostics drawn against their source, ready for stderr.
    package var rendered: String
    package var exitCode: Int32
    /// The store's error behind a failure without a location, when there was one.
    package var storeError: StoreError?

    package init(diagnostics: [Diagnostic], rendered: String, exitCode: Int32 = 65) {
        self.diagnostics = diagnostics
        self.rendered = rendered
        self.exitCode = exitCode
    }
}

extension RunFailure {
    /// A failure located at `diagnostic`, drawn against `source`.
    init(_ diagnostic: Diagnostic, in source: SourceText, exitCode: Int32 = 65) {
        self.init(diagnostics: [diagnostic], rendered: DiagnosticRenderer.render(diagnostic, in: source), exitCode: exitCode)
    }

    /// A failure without a location: an error the store or the system raised while a statement ran.
    package init(_ error: any Error) {
        if let failure = error as? RunFailure {
            self = failure
        } else if let error = error as? StoreError, error == .cancelled {
            self.init(diagnostics: [], rendered: "cancelled", exitCode: ExitStatus.code(for: error))
        } else {
            let text = (error as? StoreError)?.description ?? "\(error)"
            self.init(diagnostics: [], rendered: "error: " + text, exitCode: ExitStatus.code(for: error))
            storeError = error as? StoreError
        }
    }
}

/// The exit status a command that fails with an error leaves with:
/// 65 bad input (a statement, a file, a store that is not one), 66 a missing store or file, 75 a store busy with
/// another writer, 130 cancelled, 70 anything unforeseen. The store's own errors say theirs (`StoreError.exitCode`).
package enum ExitStatus {
    /// sysexits EX_DATAERR: a statement, a file or a store that is not right.
    package static let badInput: Int32 = 65
    /// sysexits EX_NOINPUT: a store or file that is not there.
    package static let noInput: Int32 = 66
    /// sysexits EX_SOFTWARE: anything unforeseen.
    package static let internalError: Int32 = 70
    /// sysexits EX_TEMPFAIL: the store is busy with another writer.
    package static let busy: Int32 = 75
    /// 128 + SIGINT: cancelled with Ctrl-C.
    package static let cancelled: Int32 = 130

    package static func code(for error: any Error) -> Int32 {
        switch error {
        case let failure as RunFailure: failure.exitCode
        case let error as StoreError: error.exitCode
        case is Diagnostic: badInput
        default: internalError
        }
    }
}
