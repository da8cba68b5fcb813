// swift-tools-version:6.0
// JourneyQL: a query language and interpreter for customer journeys over an indexed SQLite event store.
import PackageDescription

let package = Package(
    name: "JourneyQL",
    platforms: [.macOS(.v15)],
    products: [
        // The embedding API: a small, documented, Sendable surface (Sources/JourneyQL, listed in api/JourneyQL.api).
        .library(name: "JourneyQL", targets: ["JourneyQL"]),
        // The same interpreter behind a C interface (Sources/JourneyQLC/include/journeyql.h), as libjourneyql.
        .library(name: "journeyql", type: .dynamic, targets: ["JourneyQLC"]),
        .executable(name: "journey", targets: ["journey"]),
        .executable(name: "journey-bench", targets: ["journey-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C is wrapped once: a module map and a shim header per library, nothing else.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The durable store: the only Swift module that imports CSQLite.
        .target(name: "JourneyStore", dependencies: ["CSQLite"]),
        // The interpreter: lexer, parser, checker, planner, executor, renderers. Pure Swift; its declarations are
        // `package`, for the front ends and tests of this package, not for embedders.
        .target(name: "JourneyEngine", dependencies: ["JourneyStore"]),
        // The embedding API over the engine: the only public surface.
        .target(name: "JourneyQL", dependencies: ["JourneyEngine", "JourneyStore", "JourneyPostgres"]),
        // The C interface, written over the public API only.
        .target(name: "JourneyQLC", dependencies: ["JourneyQL"], exclude: ["include"]),
        // The PostgreSQL engine (issue 16, begun): the only module that imports CLibPQ.
        .target(name: "JourneyPostgres", dependencies: ["CLibPQ", "JourneyEngine", "JourneyStore"]),
        // The interactive front end: the only module that imports CEditLine.
        .target(name: "JourneyREPL", dependencies: ["JourneyEngine", "JourneyPostgres", "CEditLine"]),
        .executableTarget(name: "journey", dependencies: [
            "JourneyEngine", "JourneyREPL", "JourneyPostgres",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The benchmark of issue 4: generates data sets, times import and queries, checks counts against SQL.
        .executableTarget(name: "journey-bench", dependencies: [
            "JourneyEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "JourneyStoreTests", dependencies: ["JourneyStore"]),
        // Each test starts its own PostgreSQL server on loopback in a temporary folder (initdb, pg_ctl) and stops it.
        .testTarget(name: "JourneyPostgresTests", dependencies: ["JourneyPostgres", "JourneyEngine", "JourneyStore", "JourneyQL"]),
        // data/: statements with their expected results, read by DataFileTests (tests as data).
        .testTarget(name: "JourneyEngineTests", dependencies: ["JourneyEngine", "JourneyStore"], exclude: ["data"]),
        // The embedding API as an embedder meets it: `import JourneyQL` only.
        .testTarget(name: "EmbeddingTests", dependencies: ["JourneyQL"]),
        // The `journey` executable run as a child process, and its REPL driven in a terminal through tmux; the C
        // interface driven from Python (Tests/CABI).
        // JourneyREPL only for the version the output should show; the binary is what is tested.
        .testTarget(name: "JourneyCLITests", dependencies: ["JourneyREPL"]),
        // The front end end to end: scripts through Console, their output streams and exit statuses.
        .testTarget(name: "JourneyREPLTests", dependencies: ["JourneyREPL", "JourneyEngine", "JourneyStore"]),
    ]
)
