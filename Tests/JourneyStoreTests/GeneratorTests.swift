// The sample data generator: determinism from the seed, and data that behaves like real funnels.
import Testing
@testable import JourneyStore

@Suite struct GeneratorTests {
    @Test func sameSeedSameBytesDifferentSeedDifferentBytes() {
        let a = JourneyGenerator(customers: 300, seed: 42, scenario: .retail)
        let b = JourneyGenerator(customers: 300, seed: 42, scenario: .retail)
        let c = JourneyGenerator(customers: 300, seed: 43, scenario: .retail)
        #expect(a.eventsCSV() == b.eventsCSV())
        #expect(a.customersCSV() == b.customersCSV())
        #expect(a.eventsCSV() != c.eventsCSV())
        #expect(a.customersCSV() != c.customersCSV())
        // A customer's journey does not depend on how many customers are generated.
        let fewer = JourneyGenerator(customers: 10, seed: 42, scenario: .retail).events().filter { $0.customer == "c000003" }
        #expect(fewer == a.events().filter { $0.customer == "c000003" })
        #expect(!fewer.isEmpty)
    }

    @Test func csvShape() {
        let generator = JourneyGenerator(customers: 50, seed: 1, scenario: .travel, start: 1_717_200_000_000)
        let lines = String(decoding: generator.eventsCSV(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "customer_id,timestamp,stage,touchpoint,channel,device,campaign,amount")
        #expect(lines.last == "")
        let events = generator.events()
        #expect(lines.count == events.count + 2)
        for (line, event) in zip(lines.dropFirst(), events) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == 8)
            #expect(fields[0] == event.customer)
            #expect(TimeParser.parse(fields[1]) == event.time)
            #expect(fields[1].hasSuffix("Z"))
            #expect(fields[3] == event.touchpoint)
            #expect(fields[7] == (event.amount ?? ""))
        }
        #expect(events.allSatisfy { $0.time >= 1_717_200_000_000 })
        let customers = String(decoding: generator.customersCSV(), as: UTF8.self).split(separator: "\n")
        #expect(customers.first == "customer_id,segment,region,signup_date")
        #expect(customers.count == 51)
        #expect(JourneyGenerator.formatCents(12345) == "123.45" && JourneyGenerator.formatCents(7) == "0.07")
    }

    @Test(arguments: JourneyGenerator.Scenario.allCases)
    func plausibleFunnels(_ scenario: JourneyGenerator.Scenario) {
        let count = 3000
        let generator = JourneyGenerator(customers: count, seed: 2024, scenario: scenario)
        let events = generator.events()
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })

        var reached: [String: Set<String>] = [:]
        for event in events { reached[event.stage, default: []].insert(event.customer) }
        let reach = StoreCatalog.defaultStageOrder.map { Double(reached[$0]?.count ?? 0) / Double(count) }
        #expect(reach[0] == 1)
        #expect((0.40...0.60).contains(reach[1]), "consideration \(reach[1])")
        #expect((0.10...0.25).contains(reach[2]), "purchase \(reach[2])")
        #expect(reach[3] < reach[2] && reach[3] > 0.03, "retention \(reach[3])")
        #expect(reach[4] < reach[3] && reach[4] > 0.005, "advocacy \(reach[4])")

        let perCustomer = Double(events.count) / Double(count)
        #expect((10...20).contains(perCustomer), "events per customer \(perCustomer)")

        // Some customers have two events in the same second, and every purchase completion has an amount.
        var previous: [String: Int64] = [:]
        var ties = 0
        for event in events {
            if previous[event.customer] == event.time { ties += 1 }
            previous[event.customer] = event.time
        }
        #expect(ties > count / 20)
        #expect(events.filter { $0.stage == "purchase" && $0.amountCents != nil }.count > count / 20)
        #expect(Set(events.map(\.channel)).isSuperset(of: ["web", "email", "social", "paid_ads", "app"]))
        #expect(Set(events.compactMap(\.device)) == ["mobile", "desktop", "tablet"])

        // b2b converts better than b2c.
        let customers = generator.customerRecords()
        let buyers = reached["purchase"] ?? []
        func rate(_ segment: String) -> Double {
            let group = customers.filter { $0.segment == segment }
            return Double(group.filter { buyers.contains($0.id) }.count) / Double(group.count)
        }
        #expect(rate("b2b") > rate("b2c"))
        #expect(customers.filter { $0.signupDate != nil }.count == reached["consideration"]?.count)
    }

    @Test func scenariosHaveTheirOwnVocabulary() {
        let names = JourneyGenerator.Scenario.allCases.map { scenario in
            Set(JourneyGenerator(customers: 400, seed: 5, scenario: scenario).events().map(\.touchpoint))
        }
        #expect(names[0] != names[1] && names[1] != names[2])
        #expect(names[0].contains("checkout_complete") && names[1].contains("booking_complete") && names[2].contains("account_opened"))
    }

    @Test func generatedDataImports() throws {
        let directory = try TemporaryDirectory()
        let generator = JourneyGenerator(customers: 500, seed: 9, scenario: .banking)
        let eventsPath = directory.path("events.csv")
        let customersPath = directory.path("customers.csv")
        try generator.writeEvents(to: eventsPath)
        try generator.writeCustomers(to: customersPath)
        let store = try EventStore(path: directory.path("store.db"), access: .create)
        let report = try store.importEvents([eventsPath])
        let events = generator.events()
        #expect(report.imported == events.count)
        #expect(report.newCustomers <= 500)
        let customers = try store.importCustomers(customersPath)
        #expect(customers.imported == 500)
        let catalog = try store.catalog()
        #expect(catalog.eventCount == events.count)
        #expect(catalog.customerCount == 500)
        #expect(Set(catalog.stages.map(\.name)) == Set(StoreCatalog.defaultStageOrder))
        #expect(Set(catalog.properties.map(\.name)) == ["device", "campaign", "amount"])
        #expect(Set(catalog.customerAttributes.map(\.name)) == ["segment", "region", "signup_date"])
        let raw = try store.rawEvents()
        // Every field survives the trip through CSV and the batched inserts; seq is the file order.
        let expected = events.enumerated()
            .sorted { ($0.element.customer, $0.element.time, $0.offset) < ($1.element.customer, $1.element.time, $1.offset) }
            .map { offset, event in
                var properties: [String: PropertyValue] = [:]
                if let device = event.device { properties["device"] = .text(device) }
                if let campaign = event.campaign { properties["campaign"] = .text(campaign) }
                if let cents = event.amountCents { properties["amount"] = .number(Double(cents) / 100) }
                return RawEvent(customer: event.customer, time: event.time, seq: Int64(offset + 1), stage: event.stage,
                                touchpoint: event.touchpoint, channel: event.channel, properties: properties)
            }
        #expect(raw == expected)
        let amounts = raw.compactMap { $0.properties["amount"] }
        #expect(amounts.allSatisfy { if case .number = $0 { true } else { false } })
        #expect(amounts.count == events.filter { $0.amountCents != nil }.count)
    }
}
