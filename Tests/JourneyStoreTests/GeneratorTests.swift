// The sample data generator: determinism from the seed, and data that behaves like real funnels. The journeys
// tell the truth: purchases on social and in the app, abandonment outside the purchase stage, longer b2b journeys,
// repeat orders carrying the value, pain points that cost conversions, attributes that do not give the outcome
// away, and scenarios of different shapes; every expectation is computed from the generated rows.
import Testing
@testable import JourneyStore

@Suite struct GeneratorTests {
    @Test(arguments: JourneyGenerator.Scenario.allCases)
    func everyScenarioIsDeterministic(_ scenario: JourneyGenerator.Scenario) {
        let a = JourneyGenerator(customers: 500, seed: 7, scenario: scenario)
        let b = JourneyGenerator(customers: 500, seed: 7, scenario: scenario)
        #expect(a.eventsCSV() == b.eventsCSV())
        #expect(a.customersCSV() == b.customersCSV())
        #expect(a.eventsCSV() != JourneyGenerator(customers: 500, seed: 8, scenario: scenario).eventsCSV())
    }

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

@testable import JourneyStore

/// One scenario's generated rows, grouped by customer in time order, with the names the scenario uses.
struct GeneratedSample: Sendable {
    typealias Event = JourneyGenerator.Event

    let scenario: JourneyGenerator.Scenario
    let customers: [JourneyGenerator.Customer]
    /// Each customer's events in time order (customers without events are absent).
    let journeys: [String: [Event]]
    /// The step that starts a checkout, the completed first order, and the reminder after a checkout is left.
    let checkoutStart: String
    let completion: String
    let reminder: String

    static let size = 4000

    init(_ scenario: JourneyGenerator.Scenario, seed: UInt64 = 2025) {
        let generator = JourneyGenerator(customers: Self.size, seed: seed, scenario: scenario)
        self.scenario = scenario
        customers = generator.customerRecords()
        journeys = Dictionary(grouping: generator.events(), by: \.customer)
        (checkoutStart, completion, reminder) = switch scenario {
        case .retail: ("checkout_start", "checkout_complete", "abandoned_cart_email")
        case .travel: ("booking_start", "booking_complete", "booking_reminder_email")
        case .banking: ("application_submit", "account_opened", "application_reminder")
        }
    }

    static let all: [JourneyGenerator.Scenario: GeneratedSample] = Dictionary(
        uniqueKeysWithValues: JourneyGenerator.Scenario.allCases.map { ($0, GeneratedSample($0)) })

    var events: [Event] { journeys.values.flatMap { $0 } }

    /// Customers with a purchase-stage event.
    var buyers: Set<String> { Set(journeys.filter { $0.value.contains { $0.stage == "purchase" } }.keys) }
    var considerers: Set<String> { Set(journeys.filter { $0.value.contains { $0.stage == "consideration" } }.keys) }

    /// The events before the customer's first purchase (all of them for those who never buy).
    func beforeFirstPurchase(_ customer: String) -> ArraySlice<Event> {
        let journey = journeys[customer] ?? []
        return journey.prefix { $0.stage != "purchase" }
    }

    /// The share of `group` that buys.
    func conversion(_ group: some Collection<String>) -> Double {
        let buyers = self.buyers
        return Double(group.filter { buyers.contains($0) }.count) / Double(max(1, group.count))
    }

    func mean(_ values: [Int]) -> Double { Double(values.reduce(0, +)) / Double(max(1, values.count)) }
}

@Suite struct GeneratorRealismTests {
    static let scenarios = JourneyGenerator.Scenario.allCases

    /// The README's first query: buying on social is real but a minority, in every scenario.
    @Test(arguments: scenarios) func socialIsARealButMinorityPurchaseChannel(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        let firstOrders = sample.journeys.values.compactMap { $0.first { $0.stage == "purchase" } }
        let channels = Dictionary(grouping: firstOrders, by: \.channel).mapValues(\.count)
        let social = Double(channels["social"] ?? 0) / Double(firstOrders.count)
        #expect(social > 0.005 && social < 0.3, "social share of first orders \(social)")
        #expect((channels["web"] ?? 0) > (channels["social"] ?? 0))
        #expect((channels["app"] ?? 0) > (channels["social"] ?? 0))
        // FROM awareness TO purchase WHERE channel = social: a social awareness event, later a social purchase.
        let socialJourneys = sample.journeys.values.filter { journey in
            guard let aware = journey.firstIndex(where: { $0.stage == "awareness" && $0.channel == "social" }) else { return false }
            return journey[aware...].contains { $0.stage == "purchase" && $0.channel == "social" }
        }
        #expect(socialJourneys.count > GeneratedSample.size / 400, "\(socialJourneys.count) social buyers")
    }

    @Test func retailSellsOnEveryChannelOfCommerce() {
        let sample = GeneratedSample.all[.retail]!
        let channels = Set(sample.events.filter { $0.stage == "purchase" }.map(\.channel))
        #expect(channels == ["web", "app", "social", "store"])
        // Social shoppers browse and fill their cart there too.
        #expect(sample.events.contains { $0.touchpoint == "cart_add" && $0.channel == "social" })
        #expect(sample.events.contains { $0.touchpoint == "checkout_start" && $0.channel == "social" })
    }

    /// Only a completed order is a purchase; a started checkout is consideration, and one left is followed by a
    /// reminder, which brings some customers back.
    @Test(arguments: scenarios) func abandonmentIsNotAPurchase(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        let events = sample.events
        #expect(events.filter { $0.touchpoint == sample.checkoutStart }.allSatisfy { $0.stage == "consideration" })
        #expect(events.filter { $0.touchpoint == sample.reminder }.allSatisfy { $0.stage == "consideration" })
        #expect(events.filter { $0.stage == "purchase" }.allSatisfy { $0.amountCents != nil })
        // Every buyer's first purchase-stage event is the completed order.
        let firstOrders = sample.journeys.values.compactMap { $0.first { $0.stage == "purchase" } }
        #expect(!firstOrders.isEmpty && firstOrders.allSatisfy { $0.touchpoint == sample.completion })
        let completers = Set(events.filter { $0.touchpoint == sample.completion }.map(\.customer))
        #expect(sample.buyers.isSubset(of: completers))

        // Left checkouts: started, never completed; most get the reminder, and some reminded customers come back.
        let left = sample.journeys.filter { _, journey in
            journey.contains { $0.touchpoint == sample.checkoutStart } && !journey.contains { $0.touchpoint == sample.completion }
        }
        #expect(left.count > GeneratedSample.size / 100, "\(left.count) customers left a checkout")
        let reminded = sample.journeys.filter { $0.value.contains { $0.touchpoint == sample.reminder } }
        let recovered = reminded.filter { _, journey in
            let at = journey.firstIndex { $0.touchpoint == sample.reminder }!
            return journey[at...].contains { $0.touchpoint == sample.completion }
        }
        #expect(recovered.count > 0 && recovered.count < reminded.count / 2, "\(recovered.count) of \(reminded.count)")
        // Abandonment is visible: fewer customers complete than start a checkout.
        let starters = Set(events.filter { $0.touchpoint == sample.checkoutStart }.map(\.customer))
        #expect(Double(starters.intersection(completers).count) < 0.9 * Double(starters.count))
    }

    @Test(arguments: scenarios) func b2bJourneysAreLongerWithMoreTouches(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        let segment = Dictionary(uniqueKeysWithValues: sample.customers.map { ($0.id, $0.segment) })
        func touches(_ name: String) -> Double {
            sample.mean(sample.journeys.filter { segment[$0.key] == name }.map { $0.value.count })
        }
        #expect(touches("b2b") > 1.3 * touches("b2c"), "b2b \(touches("b2b")), b2c \(touches("b2c"))")
        // From the first event to the first purchase takes longer for b2b buyers (median).
        func medianDays(_ name: String) -> Double {
            let spans = sample.journeys.filter { segment[$0.key] == name }.compactMap { _, journey -> Int64? in
                journey.first { $0.stage == "purchase" }.map { $0.time - journey[0].time }
            }.sorted()
            return Double(spans[spans.count / 2]) / 86_400_000
        }
        #expect(medianDays("b2b") > 1.2 * medianDays("b2c"), "b2b \(medianDays("b2b")) days, b2c \(medianDays("b2c"))")
    }

    /// Lifetime value is mostly after the first purchase.
    @Test(arguments: scenarios) func repeatOrdersCarryMostOfTheValue(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        var first = 0
        var later = 0
        for journey in sample.journeys.values {
            let orders = journey.filter { $0.stage == "purchase" }.compactMap(\.amountCents)
            first += orders.first ?? 0
            later += orders.dropFirst().reduce(0, +)
        }
        #expect(later > first, "later \(later), first \(first)")
    }

    /// A support call before buying is a pain point: those who make one buy measurably less often.
    @Test(arguments: scenarios) func supportCallsLowerConversion(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        let (called, quiet) = sample.considerers.reduce(into: ([String](), [String]())) { groups, customer in
            if sample.beforeFirstPurchase(customer).contains(where: { $0.touchpoint == "support_call" }) {
                groups.0.append(customer)
            } else {
                groups.1.append(customer)
            }
        }
        #expect(called.count > GeneratedSample.size / 100)
        #expect(sample.conversion(called) < 0.7 * sample.conversion(quiet),
                "with a call \(sample.conversion(called)), without \(sample.conversion(quiet))")
    }

    /// A bank's slow approval loses customers: approved applicants open the account less often after a long wait.
    @Test func longApprovalWaitsLoseCustomers() {
        let sample = GeneratedSample.all[.banking]!
        var opened: [Bool: [Bool]] = [:]  // waited more than a week → opened?
        for journey in sample.journeys.values {
            guard let submitted = journey.firstIndex(where: { $0.touchpoint == "application_submit" }),
                  let approved = journey[submitted...].firstIndex(where: { $0.touchpoint == "application_approved" })
            else { continue }
            let long = journey[approved].time - journey[submitted].time > 7 * 86_400_000
            opened[long, default: []].append(journey[approved...].contains { $0.touchpoint == "account_opened" })
        }
        func share(_ long: Bool) -> Double {
            let group = opened[long] ?? []
            return Double(group.filter { $0 }.count) / Double(max(1, group.count))
        }
        #expect((opened[true]?.count ?? 0) > 50 && (opened[false]?.count ?? 0) > 50)
        #expect(share(true) < 0.85 * share(false), "long wait \(share(true)), short \(share(false))")
        #expect(sample.events.contains { $0.touchpoint == "application_declined" })
    }

    /// signup_date is not "reached consideration", and it hints at the outcome only mildly.
    @Test(arguments: scenarios) func customerAttributesDoNotGiveAwayTheOutcome(_ scenario: JourneyGenerator.Scenario) {
        let sample = GeneratedSample.all[scenario]!
        let signedUp = sample.customers.filter { $0.signupDate != nil }
        let withSignup = Set(signedUp.map(\.id))
        #expect(withSignup != sample.considerers)
        let everyone = sample.customers.map(\.id)
        let considerers = sample.considerers
        let others = everyone.filter { !considerers.contains($0) }
        func share(_ group: [String]) -> Double { Double(group.filter { withSignup.contains($0) }.count) / Double(group.count) }
        #expect(abs(share(Array(considerers)) - share(others)) < 0.05, "\(share(Array(considerers))) vs \(share(others))")
        let ratio = sample.conversion(withSignup) / sample.conversion(everyone.filter { !withSignup.contains($0) })
        #expect(ratio > 0.9 && ratio < 1.4, "conversion ratio with and without an account \(ratio)")
        // The account predates the customer's first event in the data.
        #expect(signedUp.allSatisfy { $0.signupDate! <= sample.journeys[$0.id]![0].time })
    }

    /// The scenarios differ in shape, not only in names.
    @Test func scenariosDifferInShape() {
        let retail = GeneratedSample.all[.retail]!
        let travel = GeneratedSample.all[.travel]!
        let banking = GeneratedSample.all[.banking]!
        func stageTouchpoints(_ sample: GeneratedSample, _ stage: String) -> Set<String> {
            Set(sample.events.filter { $0.stage == stage }.map(\.touchpoint))
        }
        for stage in StoreCatalog.defaultStageOrder {
            let sets = [retail, travel, banking].map { stageTouchpoints($0, stage) }
            #expect(sets[0] != sets[1] && sets[1] != sets[2] && sets[0] != sets[2], "\(stage)")
        }
        // Consideration events per considering customer: travel searches most.
        func considering(_ sample: GeneratedSample) -> Double {
            sample.mean(sample.journeys.values.map { $0.filter { $0.stage == "consideration" }.count }.filter { $0 > 0 })
        }
        #expect(considering(travel) > 1.2 * considering(retail), "travel \(considering(travel)), retail \(considering(retail))")
        // Repeat orders (not add-ons) per buyer: retail buys again most often, travel least.
        func repeats(_ sample: GeneratedSample, _ names: Set<String>) -> Double {
            sample.mean(sample.journeys.values.map { $0.filter { names.contains($0.touchpoint) }.count }.filter { $0 > 0 }) - 1
        }
        let retailRepeats = repeats(retail, ["checkout_complete", "repeat_purchase"])
        let travelRepeats = repeats(travel, ["booking_complete", "rebooking"])
        #expect(retailRepeats > 1.5 * travelRepeats, "retail \(retailRepeats), travel \(travelRepeats)")
        // Impulse: retail buyers who buy within two hours of their first event.
        func quick(_ sample: GeneratedSample) -> Double {
            let buyers = sample.journeys.values.compactMap { journey in journey.first { $0.stage == "purchase" }.map { $0.time - journey[0].time } }
            return Double(buyers.filter { $0 <= 2 * 3_600_000 }.count) / Double(buyers.count)
        }
        #expect(quick(retail) > 3 * max(quick(travel), quick(banking)), "retail \(quick(retail)), travel \(quick(travel))")
        // Banking: branch and phone carry a larger share of consideration and purchase than in retail.
        func offline(_ sample: GeneratedSample) -> Double {
            let events = sample.events.filter { $0.stage == "consideration" || $0.stage == "purchase" }
            return Double(events.filter { $0.channel == "store" || $0.channel == "phone" }.count) / Double(events.count)
        }
        #expect(offline(banking) > 2 * offline(retail), "banking \(offline(banking)), retail \(offline(retail))")
        #expect(banking.events.contains { $0.touchpoint == "application_approved" })
    }

    /// The touchpoints, properties and values the README, samples/tour.jql, the benchmark and grammar/ name exist
    /// in the retail scenario.
    @Test func retailHasTheNamesTheProjectUses() {
        let sample = GeneratedSample.all[.retail]!
        let events = sample.events
        let touchpoints = Set(events.map(\.touchpoint))
        #expect(touchpoints.isSuperset(of: ["ad_click", "ad_impression", "site_visit", "product_view", "search",
                                            "wishlist_add", "cart_add", "checkout_start", "checkout_complete",
                                            "support_call", "social_post_view", "email_open", "review_written",
                                            "store_visit"]))
        #expect(Set(events.map(\.channel)) == Set(GeneratorVocabulary.channels))
        #expect(events.contains { $0.device == "mobile" } && events.contains { $0.campaign?.hasPrefix("spring") == true })
        #expect(Set(sample.customers.map(\.segment)) == ["b2b", "b2c"])
        // The benchmark's funnel: an ad click on social, a cart on mobile, a completed order over 50 within 7 days.
        #expect(events.contains { $0.touchpoint == "ad_click" && $0.channel == "social" })
        #expect(events.contains { $0.touchpoint == "checkout_complete" && ($0.amountCents ?? 0) > 5_000 })
    }
}
