// funnel-export STORE SEGMENT_ATTRIBUTE 'STEPS' [--within DURATION]
//
// Writes one JSON document: for each value of a customer attribute (a segment), the funnel's steps with their
// customers, conversion and median time, read in parallel, one task per segment. For example:
//
//   funnel-export journey.db segment 'awareness TO consideration TO purchase' --within '30 days'
import Foundation
import JourneyQL

struct Export: Encodable {
    struct Step: Encodable {
        let name: String
        let customers: Int64
        let percentOfFirst: Double?
        let medianSecondsFromPrevious: Double?
    }
    struct Segment: Encodable {
        let segment: String
        let steps: [Step]
    }
    let store: String
    let funnel: String
    let segments: [Segment]
}

@main
struct FunnelExport {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var within: String?
        if let flag = arguments.firstIndex(of: "--within"), flag + 1 < arguments.count {
            within = arguments[flag + 1]
            arguments.removeSubrange(flag...flag + 1)
        }
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: funnel-export STORE SEGMENT_ATTRIBUTE 'STEPS' [--within DURATION]\n".utf8))
            exit(64)
        }
        let (path, attribute, steps) = (arguments[0], arguments[1], arguments[2])
        do {
            let store = try Store(path: path, access: .readOnly)
            // The segments: the attribute's values, from a funnel broken down by it.
            let journey = "FROM \(steps)" + (within.map { " WITHIN \($0)" } ?? "")
            let overview = try await store.query("\(journey) BY customer.\(attribute)")
            let values = overview[0].funnel?.groups.compactMap { $0.key.first?.text } ?? []
            // One task per segment; the value is a parameter, never spliced into the statement.
            let segments = try await withThrowingTaskGroup(of: Export.Segment.self) { group in
                for value in values {
                    group.addTask {
                        let results = try await store.query("\(journey) WHERE customer.\(attribute) = $segment",
                                                            parameters: ["segment": value])
                        let funnel = results.first?.funnel?.groups.first
                        return Export.Segment(segment: value, steps: (funnel?.steps ?? []).map { step in
                            Export.Step(name: step.name, customers: step.customers, percentOfFirst: step.percentOfFirst,
                                        medianSecondsFromPrevious: step.medianTimeFromPrevious.map(seconds))
                        })
                    }
                }
                var found: [Export.Segment] = []
                for try await segment in group { found.append(segment) }
                return found.sorted { $0.segment < $1.segment }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(Export(store: path, funnel: journey, segments: segments))
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } catch let error as JourneyError {
            FileHandle.standardError.write(Data((error.message + "\n").utf8))
            exit(error.exitStatus)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(70)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
