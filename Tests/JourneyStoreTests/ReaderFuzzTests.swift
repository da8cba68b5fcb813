// A seeded fuzzer for the CSV reader and the JSON Lines parser, run for a bounded time: random bytes and mutated
// valid files, with the inputs that once broke them (issue 11) as seeds. Every input must give records or a
// located error, never a crash or a hang. JOURNEY_FUZZ_SECONDS and JOURNEY_FUZZ_SEED run it longer or differently.
import Foundation
import Testing
@testable import JourneyStore

@Suite struct ReaderFuzzTests {
    /// The project's seeded generator (JourneyStore's SplitMix64), so a failing input can be made again from its seed.
    struct Random {
        var rng: SplitMix64
        init(state: UInt64) { rng = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { rng.next() }
        mutating func below(_ n: Int) -> Int { Int.random(in: 0..<max(1, n), using: &rng) }
    }

    static let csvSeeds: [[UInt8]] = [
        Array("customer_id,timestamp,stage,device\nc1,2024-01-01,awareness,mo".utf8) + [0] + Array("bile\n".utf8),
        Array("customer_id,timestamp,stage\rc1,2024-01-01,awareness\r".utf8),
        Array((["customer_id", "timestamp", "stage"] + (0..<10_000).map { "p\($0)" }).joined(separator: ",").utf8) + [10],
        Array("a,\"b\"\"c\",\"unterminated\n".utf8),
        Array("\u{FEFF}customer_id,timestamp\r\nc1,2024-01-01\r\n".utf8),
        [0xEF, 0xBB], [], [10, 10, 10], Array(",,,,\n,,,\n".utf8),
    ]

    static let jsonSeeds: [String] = [
        #"{"customer_id":"c1","device":"mo\u0000bile"}"#, #"{"a":"\ud800"}"#, #"{"a":[1,{"b":null}],"c":1e400}"#,
        #"{"a":"x","a":"y"}"#, "{", "[]", #"{"a":-}"#, #"{"a":"\"# + String(repeating: "u", count: 10),
    ]

    func readAllCSV(_ bytes: [UInt8]) {
        let reader = CSVReader(bytes: bytes)
        var records = 0
        while records < 100_000 {
            do {
                guard try reader.readRecord() else { return }
                for i in 0..<reader.fieldCount { _ = reader.field(i) }
            } catch {
                // A located error; the reader skips the record and goes on.
            }
            records += 1
        }
    }

    @Test func csvAndJSONLinesSurviveRandomInput() throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["JOURNEY_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
        var random = Random(state: environment["JOURNEY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 11)
        for seed in Self.csvSeeds { readAllCSV(seed) }
        for seed in Self.jsonSeeds { Array(seed.utf8).withUnsafeBufferPointer { _ = try? JSONLineParser.parseObject($0) } }
        let alphabet = Array("abc,\"\n\r{}[]:\\u0123456789.-eE ntrufl".utf8) + [0, 0xFF, 0xC3, 0xA9]
        let deadline = ContinuousClock.now + .seconds(seconds)
        var count = 0
        while ContinuousClock.now < deadline {
            var bytes = random.below(2) == 0
                ? Self.csvSeeds[random.below(Self.csvSeeds.count)].prefix(300).map { $0 }
                : Array(Self.jsonSeeds[random.below(Self.jsonSeeds.count)].utf8)
            for _ in 0..<(1 + random.below(6)) {
                let at = random.below(bytes.count + 1)
                bytes.insert(alphabet[random.below(alphabet.count)], at: at)
                if !bytes.isEmpty, random.below(2) == 0 { bytes.remove(at: random.below(bytes.count)) }
            }
            let started = ContinuousClock.now
            readAllCSV(bytes)
            bytes.withUnsafeBufferPointer { _ = try? JSONLineParser.parseObject($0) }
            #expect(ContinuousClock.now - started < .seconds(2), "slow on \(bytes)")
            count += 1
        }
        #expect(count > 100)
    }

    /// The whole import path on hostile files: each is refused with a located error or imported, and a refused
    /// import leaves the store as it was.
    @Test func hostileFilesLeaveTheStoreAsItWas() throws {
        let directory = try TemporaryDirectory()
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        try store.importEvents([directory.file("ok.csv", "customer_id,timestamp,stage\nc0,2024-01-01,awareness\n")])
        for (i, seed) in Self.csvSeeds.enumerated() {
            let before = try store.snapshot()
            let file = try directory.bytes("seed\(i).csv", seed)
            do {
                _ = try store.importEvents([file])
            } catch let error as StoreError {
                if case .badInput = error {} else { Issue.record("seed \(i): \(error)") }
                #expect(try store.snapshot() == before, "seed \(i) changed the store")
            }
        }
    }
}
