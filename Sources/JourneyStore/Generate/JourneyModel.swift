// The journey model behind the generator: how one customer moves through the stages, and with what timing.

/// A generated event in compact form; indexes point into the vocabulary lists, -1 means absent.
struct CompactEvent {
    var time: Int64
    /// Generation order across all customers, the tie-breaker that makes the time sort stable.
    var order: Int32
    var customer: Int32
    var touchpoint: String
    var stage: Int8
    var channel: Int8
    var device: Int8
    var campaign: Int8
    var amount: Int32
}

/// Everything one generator run produces.
struct GeneratedData {
    var customers: [JourneyGenerator.Customer]
    /// Sorted by (time, order).
    var events: [CompactEvent]
    var campaigns: [String]
}

extension JourneyGenerator {
    /// Runs the model for every customer and sorts the events by time.
    func generate() -> GeneratedData {
        let spec = GeneratorVocabulary.spec(scenario)
        var customerList: [Customer] = []
        customerList.reserveCapacity(customers)
        var events: [CompactEvent] = []
        events.reserveCapacity(customers * 14)
        let width = max(6, String(customers).count)
        for index in 0..<customers {
            var walker = JourneyWalker(spec: spec, customer: Int32(index), start: start,
                                       rng: SplitMix64(seed: seed, stream: UInt64(index)))
            walker.walk()
            let number = String(index + 1)
            let id = "c" + String(repeating: "0", count: max(0, width - number.count)) + number
            customerList.append(Customer(id: id, segment: GeneratorVocabulary.segments[walker.segment],
                                         region: GeneratorVocabulary.regions[walker.region],
                                         signupDate: walker.signup.map { $0 - $0 % TimeParser.millisecondsPerDay }))
            for var event in walker.events {
                event.order = Int32(events.count)
                events.append(event)
            }
        }
        events.sort { $0.time != $1.time ? $0.time < $1.time : $0.order < $1.order }
        return GeneratedData(customers: customerList, events: events, campaigns: spec.campaigns)
    }
}

/// Walks one customer through the funnel, appending events as it goes.
struct JourneyWalker {
    let spec: ScenarioSpec
    let customer: Int32
    var rng: SplitMix64
    var time: Int64
    var events: [CompactEvent] = []
    let segment: Int
    let region: Int
    /// The time of the first consideration event: when the customer signed up.
    var signup: Int64?
    private let campaign: Int
    private let primaryDevice: Int
    private var sessionDevice: Int

    /// Conversion multipliers: b2b converts better; amer better and apac worse than emea.
    private static let regionFactor = [1.1, 1.0, 0.8]
    private static let segmentFactor = [1.0, 1.3]

    init(spec: ScenarioSpec, customer: Int32, start: Int64, rng: SplitMix64) {
        self.spec = spec
        self.customer = customer
        self.rng = rng
        segment = self.rng.chance(0.3) ? 1 : 0
        region = self.rng.pick([0.40, 0.35, 0.25])
        campaign = self.rng.below(spec.campaigns.count)
        primaryDevice = self.rng.pick(segment == 1 ? [0.3, 0.6, 0.1] : [0.6, 0.3, 0.1])
        sessionDevice = primaryDevice
        // First contact somewhere in the first 150 days, on a whole second.
        time = start + Int64(self.rng.below(150 * 86_400)) * 1000
    }

    mutating func walk() {
        let regionFactor = Self.regionFactor[region]
        let segmentFactor = Self.segmentFactor[segment]

        // Awareness: a handful of impressions and posts; some impressions are clicked within seconds.
        let touches = 1 + rng.below(4) + (rng.chance(0.5) ? rng.below(6) : 0)
        for index in 0..<touches {
            let touch = spec.discover[rng.pick([0.6, 0.3, 0.1])]
            emit(touch, gap: index == 0 ? 0 : betweenSessions())
            if touch.name == spec.discover[0].name, rng.chance(0.3) { emit(spec.click, gap: withinSession()) }
        }
        guard rng.chance(min(0.85, 0.5 * regionFactor)) else { return }

        // Consideration: sessions of browsing, with reminders pulling the customer back in between.
        let sessions = 1 + rng.below(5)
        for index in 0..<sessions {
            if index > 0, rng.chance(0.3) { emit(spec.remind[rng.below(spec.remind.count)], gap: betweenSessions()) }
            emit(spec.enter, gap: betweenSessions())
            if signup == nil { signup = time }
            for _ in 0..<(1 + rng.below(5)) { emit(spec.browse[rng.pick([0.55, 0.3, 0.15])], gap: withinSession()) }
            if rng.chance(0.45) { emit(spec.intent, gap: withinSession()) }
        }
        guard rng.chance(min(0.8, 0.36 * regionFactor * segmentFactor)) else {
            // An abandoned checkout still reaches the purchase stage.
            if rng.chance(0.08) { emit(spec.checkoutStart, gap: withinSession()) }
            return
        }

        // Purchase: checkout, sometimes completed in the same second; then perhaps a look back at the products.
        purchase(afterGap: withinSession())
        if rng.chance(0.2) { emit(spec.browse[0], gap: betweenSessions()) }
        guard rng.chance(min(0.9, 0.5 * (segment == 1 ? 1.2 : 1.0))) else { return }

        // Retention: service and loyalty touches; some buy again, through checkout or as a repeat order.
        for _ in 0..<(1 + rng.below(4)) { emit(spec.retain[rng.below(spec.retain.count)], gap: betweenSessions()) }
        if rng.chance(0.35) {
            if rng.chance(0.5) {
                emit(spec.enter, gap: betweenSessions())
                purchase(afterGap: withinSession())
            } else {
                emit(spec.repeatPurchase, gap: betweenSessions())
            }
        }
        guard rng.chance(0.35 * (segment == 1 ? 0.7 : 1.1)) else { return }

        // Advocacy.
        for _ in 0..<(1 + rng.below(2)) { emit(spec.advocate[rng.below(spec.advocate.count)], gap: betweenSessions()) }
    }

    private mutating func purchase(afterGap gap: Int64) {
        emit(spec.checkoutStart, gap: gap)
        emit(spec.checkoutComplete, gap: rng.chance(0.2) ? 0 : withinSession())
    }

    /// Adds an event `gap` seconds after the previous one.
    private mutating func emit(_ touch: TouchpointSpec, gap: Int64) {
        time += gap * 1000
        let channel = chooseChannel(touch.channels)
        let device: Int8 = (channel == .store || channel == .phone) ? -1 : Int8(sessionDevice)
        var campaignIndex: Int8 = -1
        if touch.campaign, !rng.chance(0.1) {
            campaignIndex = Int8(rng.chance(0.75) ? campaign : rng.below(spec.campaigns.count))
        }
        events.append(CompactEvent(time: time, order: 0, customer: customer, touchpoint: touch.name,
                                   stage: Int8(touch.stage), channel: Int8(channel.rawValue), device: device,
                                   campaign: campaignIndex, amount: touch.amount ? Int32(amount()) : -1))
    }

    /// Web or app by device when both are possible; otherwise any of the touchpoint's channels.
    private mutating func chooseChannel(_ channels: [Channel]) -> Channel {
        if channels.contains(.web), channels.contains(.app) {
            let appShare = sessionDevice == 0 ? 0.6 : 0.15
            if rng.chance(0.85) { return rng.chance(appShare) ? .app : .web }
        }
        return channels[rng.below(channels.count)]
    }

    /// An order value in cents: mostly in the typical range (skewed low), sometimes a large order.
    private mutating func amount() -> Int {
        let u = rng.unit()
        var cents: Int
        if rng.chance(0.9) {
            cents = spec.typical.lowerBound + Int(Double(spec.typical.upperBound - spec.typical.lowerBound) * u * u)
        } else {
            cents = spec.typical.upperBound + Int(Double(spec.high - spec.typical.upperBound) * u * u * u)
        }
        if segment == 1 { cents = cents * 3 / 2 }
        return cents
    }

    /// Seconds between two events of one session: often under two minutes, sometimes none at all.
    private mutating func withinSession() -> Int64 {
        if rng.chance(0.12) { return 0 }
        return rng.chance(0.7) ? Int64(rng.int(in: 5...120)) : Int64(rng.int(in: 121...900))
    }

    /// Seconds between sessions, from minutes to weeks; a new session may be on another device.
    private mutating func betweenSessions() -> Int64 {
        sessionDevice = rng.chance(0.8) ? primaryDevice : rng.below(GeneratorVocabulary.devices.count)
        let buckets: [ClosedRange<Int>] = [600...3_600, 3_601...21_600, 21_601...86_400, 86_401...259_200,
                                           259_201...604_800, 604_801...1_814_400]
        let bucket = buckets[rng.pick([15, 20, 20, 20, 15, 10])]
        return Int64(rng.int(in: bucket))
    }
}
