// A realistic, fully deterministic sample data set: customers wandering through the five journey stages.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Generates customer journeys for a scenario from a seed; the same arguments always give the same bytes.
///
/// About half the customers reach consideration and a sixth to a fifth purchase; buyers then get retention touches
/// and repeat orders, which carry most of their value, and some reach advocacy. Only completed orders are stage
/// purchase: a started checkout is consideration, and one left unfinished is often followed by a reminder email
/// (`abandoned_cart_email`, `booking_reminder_email`, `application_reminder`). Customers buy on the web, in the
/// app, on social (a minority, mostly those who found the business there), in the store and by phone. b2b
/// journeys are longer, with more touches, and convert better, as does amer (apac worse); a support call before
/// buying makes it much less likely, and a long wait for a bank's approval loses customers. Customers revisit
/// earlier touchpoints, leave gaps from seconds to weeks, and sometimes produce two events in the same second.
/// The scenarios differ in shape: retail has short journeys, impulse buys and frequent repeats; travel long
/// consideration with many searches and few trips a year; banking applications that are approved or declined
/// over days, branch and phone, and long b2b cycles. See `ScenarioSpec` and `JourneyWalker`.
package struct JourneyGenerator: Sendable {
    /// The business the data imitates; each has its own touchpoint names, campaigns and order values.
    package enum Scenario: String, CaseIterable, Sendable {
        case retail, travel, banking
    }

    /// One generated event.
    package struct Event: Sendable, Hashable {
        package var customer: String
        /// Milliseconds since the epoch (whole seconds).
        package var time: Int64
        package var stage: String
        package var touchpoint: String
        package var channel: String
        package var device: String?
        package var campaign: String?
        /// The order value in cents, on purchase-stage events.
        package var amountCents: Int?

        /// The amount as written in the CSV (`123.45`), or nil.
        package var amount: String? { amountCents.map(JourneyGenerator.formatCents) }
    }

    /// One generated customer.
    package struct Customer: Sendable, Hashable {
        package var id: String
        package var segment: String
        package var region: String
        /// Midnight (UTC) of the day the customer opened an account, before their first contact in the data; nil
        /// for the half who have none. It does not depend on how the journey goes (account holders convert a
        /// little better).
        package var signupDate: Int64?
    }

    /// The events CSV header.
    package static let eventsHeader = "customer_id,timestamp,stage,touchpoint,channel,device,campaign,amount"
    /// The customers CSV header.
    package static let customersHeader = "customer_id,segment,region,signup_date"
    /// 2024-01-01T00:00:00Z.
    package static let defaultStart: Int64 = 1_704_067_200_000
    /// Changes whenever the same arguments start giving different data, so a cached data set can tell it is stale.
    package static let modelVersion = 2

    package let customers: Int
    package let seed: UInt64
    package let scenario: Scenario
    package let start: Int64

    package init(customers: Int, seed: UInt64, scenario: Scenario, start: Int64 = JourneyGenerator.defaultStart) {
        self.customers = max(0, customers)
        self.seed = seed
        self.scenario = scenario
        self.start = start
    }

    // MARK: Output

    /// All events, sorted by time across customers; events in the same millisecond keep generation order.
    package func events() -> [Event] {
        let data = generate()
        return data.events.map { event in
            Event(customer: data.customers[Int(event.customer)].id, time: event.time,
                  stage: GeneratorVocabulary.stages[Int(event.stage)], touchpoint: data.touchpoints[Int(event.touchpoint)],
                  channel: GeneratorVocabulary.channels[Int(event.channel)],
                  device: event.device < 0 ? nil : GeneratorVocabulary.devices[Int(event.device)],
                  campaign: event.campaign < 0 ? nil : data.campaigns[Int(event.campaign)],
                  amountCents: event.amount < 0 ? nil : Int(event.amount))
        }
    }

    /// All customers in id order.
    package func customerRecords() -> [Customer] {
        generate().customers
    }

    /// The events CSV (header `eventsHeader`, ISO-8601 UTC timestamps).
    package func eventsCSV() -> [UInt8] {
        let data = generate()
        var out: [UInt8] = []
        out.reserveCapacity(data.events.count * 90 + 100)
        out.append(contentsOf: Self.eventsHeader.utf8)
        out.append(UInt8(ascii: "\n"))
        let ids = data.customers.map { Array($0.id.utf8) }
        let stages = GeneratorVocabulary.stages.map { Array($0.utf8) }
        let channels = GeneratorVocabulary.channels.map { Array($0.utf8) }
        let devices = GeneratorVocabulary.devices.map { Array($0.utf8) }
        let campaigns = data.campaigns.map { Array($0.utf8) }
        let touchpoints = data.touchpoints.map { Array($0.utf8) }
        let comma = UInt8(ascii: ",")
        for event in data.events {
            out.append(contentsOf: ids[Int(event.customer)])
            out.append(comma)
            Self.appendTimestamp(event.time, to: &out)
            out.append(comma)
            out.append(contentsOf: stages[Int(event.stage)])
            out.append(comma)
            out.append(contentsOf: touchpoints[Int(event.touchpoint)])
            out.append(comma)
            out.append(contentsOf: channels[Int(event.channel)])
            out.append(comma)
            if event.device >= 0 { out.append(contentsOf: devices[Int(event.device)]) }
            out.append(comma)
            if event.campaign >= 0 { out.append(contentsOf: campaigns[Int(event.campaign)]) }
            out.append(comma)
            if event.amount >= 0 { out.append(contentsOf: Self.formatCents(Int(event.amount)).utf8) }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// The customers CSV (header `customersHeader`).
    package func customersCSV() -> [UInt8] {
        var text = Self.customersHeader + "\n"
        for customer in generate().customers {
            text += customer.id + "," + customer.segment + "," + customer.region + ","
            text += (customer.signupDate.map(TimeParser.formatDate) ?? "") + "\n"
        }
        return Array(text.utf8)
    }

    /// Writes the events CSV to `path`, or to standard output when `path` is nil.
    package func writeEvents(to path: String?) throws {
        try Self.save(eventsCSV(), to: path)
    }

    /// Writes the customers CSV to `path`.
    package func writeCustomers(to path: String) throws {
        try Self.save(customersCSV(), to: path)
    }

    /// Cents as a decimal amount with two places: 12345 → `123.45`.
    package static func formatCents(_ cents: Int) -> String {
        let fraction = cents % 100
        return String(cents / 100) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    private static func save(_ bytes: [UInt8], to path: String?) throws {
        let name = path ?? "<stdout>"
        let descriptor: Int32 = path.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? 1
        guard descriptor >= 0 else {
            throw StoreError.file(path: name, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        defer { if path != nil { close(descriptor) } }
        try bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StoreError.file(path: name, message: "cannot write: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Appends `2024-01-31T10:00:00Z` (seconds precision; generated times are whole seconds).
    private static func appendTimestamp(_ ms: Int64, to out: inout [UInt8]) {
        let days = ms >= 0 ? ms / TimeParser.millisecondsPerDay : (ms - TimeParser.millisecondsPerDay + 1) / TimeParser.millisecondsPerDay
        let seconds = (ms - days * TimeParser.millisecondsPerDay) / 1000
        let (year, month, day) = TimeParser.civil(fromDays: days)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                out.append(UInt8(48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-"))
        digits(month, 2); out.append(UInt8(ascii: "-"))
        digits(day, 2); out.append(UInt8(ascii: "T"))
        digits(seconds / 3600, 2); out.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2); out.append(UInt8(ascii: "Z"))
    }
}
