// swift-tools-version:6.0
// An embedder's program: exports a funnel per customer segment as JSON for a dashboard, through the public
// JourneyQL API only (it depends on the JourneyQL package by path, as a tool beside it would).
import PackageDescription

let package = Package(
    name: "FunnelExport",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "JourneyQL", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "FunnelExport", dependencies: [.product(name: "JourneyQL", package: "JourneyQL")]),
    ]
)
