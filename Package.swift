// swift-tools-version:6.0
// JourneyQL: a query language and interpreter for customer journeys over an indexed SQLite event store.
import PackageDescription

let package = Package(
    name: "JourneyQL",
    products: [
        .library(name: "JourneyQL", targets: ["JourneyQL"]),
        .executable(name: "journey", targets: ["journey"]),
        .executable(name: "journey-bench", targets: ["journey-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C is wrapped once: a module map and a shim header per library, nothing else.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        // The durable store: the only Swift module that imports CSQLite.
        .target(name: "JourneyStore", dependencies: ["CSQLite"]),
        // The interpreter: pure Swift, embeddable.
        .target(name: "JourneyQL", dependencies: ["JourneyStore"]),
        // The interactive front end: the only module that imports CEditLine.
        .target(name: "JourneyREPL", dependencies: ["JourneyQL", "CEditLine"]),
        .executableTarget(name: "journey", dependencies: [
            "JourneyQL", "JourneyREPL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The benchmark of issue 4: generates data sets, times import and queries, checks counts against SQL.
        .executableTarget(name: "journey-bench", dependencies: [
            "JourneyQL",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "JourneyStoreTests", dependencies: ["JourneyStore"]),
        // data/: statements with their expected results, read by DataFileTests (tests as data).
        .testTarget(name: "JourneyQLTests", dependencies: ["JourneyQL", "JourneyStore"], exclude: ["data"]),
        // The `journey` executable run as a child process, and its REPL driven in a terminal through tmux.
        // JourneyREPL only for the version the output should show; the binary is what is tested.
        .testTarget(name: "JourneyCLITests", dependencies: ["JourneyREPL"]),
        // The front end end to end: scripts through Console, their output streams and exit statuses.
        .testTarget(name: "JourneyREPLTests", dependencies: ["JourneyREPL", "JourneyQL", "JourneyStore"]),
    ]
)
