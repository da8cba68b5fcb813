// The journey model behind the generator: how one customer moves through the stages, and with what timing.

/// A generated event in compact form; indexes point into the vocabulary lists, -1 means absent.
struct CompactEvent {
    var time: Int64
    var customer: Int32
    var amount: Int32
    /// Index into the scenario's `names`.
    var touchpoint: Int16
    var stage: Int8
    var channel: Int8
    var device: Int8
    var campaign: Int8
}

/// Everything one generator run produces.
struct GeneratedData {
    var customers: [JourneyGenerator.Customer]
    /// Sorted by time; events of the same time in generation order.
    var events: [CompactEvent]
    var campaigns: [String]
    var touchpoints: [String]
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
                                         signupDate: walker.signup))
            events.append(contentsOf: walker.events)
        }
        // Sorted by one integer per event: the seconds since the start (every event is a whole number of seconds
        // after it, and within a year) above the generation index, the tie-breaker. Sorting these beats a stable
        // sort of the events themselves.
        var keys = events.indices.map { UInt64((events[$0].time - start) / 1000) << 32 | UInt64($0) }
        keys.sort()
        let sorted = keys.map { events[Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF)] }
        return GeneratedData(customers: customerList, events: sorted, campaigns: spec.campaigns,
                             touchpoints: spec.names)
    }
}

/// Walks one customer through the journey, appending events as it goes.
///
/// Awareness touches come first; about half the customers then consider in sessions (browsing, reminders in
/// between, sometimes a support call that makes buying less likely). Those who buy go through checkout on a
/// venue that follows how they found the business (social buyers often buy on social); others may leave a started
/// checkout, which a reminder email follows. Buyers then get retention touches and repeat orders, which carry
/// most of their value, and some recommend the business. Events after the data set's end are not written.
struct JourneyWalker {
    let spec: ScenarioSpec
    let customer: Int32
    var rng: SplitMix64
    var time: Int64
    /// No event after this: the data set ends a year after its start, cutting journeys still under way.
    let end: Int64
    var events: [CompactEvent] = []
    let segment: Int
    let region: Int
    let source: Source
    /// Midnight (UTC) of the day the customer opened an account, for the half who had one before their first
    /// contact; drawn before the journey, so it tells little about how the journey ends.
    let signup: Int64?
    private let campaign: Int
    private let primaryDevice: Int
    private var sessionDevice: Int
    /// The chance of buying, lowered by each pain point on the way.
    private var propensity = 0.0
    /// How the customer feels after buying; a support call lowers it, and with it repeats and advocacy.
    private var satisfaction = 1.0
    /// Set once an event fell after the data set's end; every later one would too.
    private var ended = false

    private static let regionWeights = [0.40, 0.35, 0.25]
    /// Conversion multipliers: b2b converts better; amer better and apac worse than emea.
    private static let regionFactor = [1.1, 1.0, 0.8]
    private static let segmentFactor = [1.0, 1.3]
    /// Account holders convert a little better: the attribute hints at the outcome but does not give it away.
    private static let accountFactor = 1.15
    private static let deviceWeights = [[0.6, 0.3, 0.1], [0.3, 0.6, 0.1]]
    /// Seconds between sessions, by bucket: up to an hour, six hours, a day, three days, a week, three weeks.
    private static let gapBuckets: [ClosedRange<Int>] = [600...3_600, 3_601...21_600, 21_601...86_400,
                                                         86_401...259_200, 259_201...604_800, 604_801...1_814_400]
    private static let day: Int64 = 86_400
    private static let dataDays: Int64 = 365

    init(spec: ScenarioSpec, customer: Int32, start: Int64, rng: SplitMix64) {
        self.spec = spec
        self.customer = customer
        self.rng = rng
        segment = self.rng.chance(spec.b2bShare) ? 1 : 0
        region = self.rng.pick(Self.regionWeights)
        source = Source(rawValue: self.rng.pick(spec.sourceWeights))!
        campaign = self.rng.below(spec.customerCampaigns)
        primaryDevice = self.rng.pick(Self.deviceWeights[segment])
        sessionDevice = primaryDevice
        // First contact somewhere in the first 150 days, on a whole second.
        time = start + Int64(self.rng.below(150 * 86_400)) * 1000
        end = start + Self.dataDays * Self.day * 1000
        if self.rng.chance(0.5) {
            let opened = time - Int64(1 + self.rng.below(720)) * Self.day * 1000
            signup = opened - opened % TimeParser.millisecondsPerDay  // generated times are after 1970
        } else {
            signup = nil
        }
    }

    mutating func walk() {
        let clicked = awareness()
        guard rng.chance(spec.considerChance * Self.regionFactor[region]) else { return }
        propensity = spec.buyChance * Self.regionFactor[region] * Self.segmentFactor[segment]
            * (signup == nil ? 1 : Self.accountFactor)

        // An impulse buy: straight from the ad click to checkout, in the same sitting.
        if clicked, segment == 0, rng.chance(spec.impulseChance) {
            let venue = onlineVenue(purchaseVenue())
            if checkout(at: venue, after: withinSession(), browsing: 0...2) { afterPurchase(venue) }
            return
        }

        // Consideration: sessions of browsing, with reminders pulling the customer back in between.
        let sessions = rng.int(in: spec.sessions) + (segment == 1 ? rng.int(in: spec.b2bExtraSessions) : 0)
        for index in 0..<sessions {
            if index > 0, rng.chance(0.3) { remind() }
            // A click lands on the site at once.
            let venue = Venue(rawValue: rng.pick(spec.sessionVenues[source.rawValue]))!
            consider(at: index == 0 && clicked ? onlineVenue(venue) : venue,
                     after: index == 0 && clicked ? withinSession() : betweenSessions())
            if rng.chance(spec.callChance) { supportCall() }
        }

        guard rng.chance(min(0.95, propensity)) else {
            if rng.chance(spec.abandonChance) { abandon(at: onlineVenue(purchaseVenue())) }
            return
        }
        let venue = purchaseVenue()
        var gap = betweenSessions()
        if venue == .digital || venue == .social, rng.chance(spec.recoveredChance) {
            // Left once, then brought back by the reminder.
            abandon(at: venue, remindAlways: true)
            gap = withinSession() * 20
        }
        if checkout(at: venue, after: gap, browsing: 0...2) { afterPurchase(venue) }
    }

    // MARK: Stages

    /// A handful of impressions and posts; some impressions are clicked within seconds. True when the last
    /// touch was a click.
    private mutating func awareness() -> Bool {
        var touches = 1 + rng.below(spec.awarenessBase) + (rng.chance(0.5) ? rng.below(spec.awarenessExtra) : 0)
        if segment == 1 { touches += rng.below(spec.awarenessBase) }
        var clicked = false
        for index in 0..<touches {
            let touch = spec.discover[rng.pick(spec.discoverWeights[source.rawValue])]
            emit(touch, on: sourceChannel(touch), gap: index == 0 ? 0 : betweenSessions())
            clicked = touch.code == spec.discover[0].code && rng.chance(spec.clickChance)
            if clicked { emit(spec.click, on: sourceChannel(spec.click), gap: withinSession()) }
        }
        return clicked
    }

    /// A newsletter or an ad that brings the customer back.
    private mutating func remind() {
        let touch = spec.remind[rng.below(spec.remind.count)]
        emit(touch, on: sourceChannel(touch), gap: betweenSessions())
    }

    /// One consideration session: the entry where the venue has one, a few browsing touches, perhaps an intent.
    private mutating func consider(at venue: Venue, after firstGap: Int64) {
        let channel = sessionChannel(venue)
        var gap = firstGap
        if spec.enter.channels.allows(venue) {
            emit(spec.enter, on: fit(spec.enter, channel), gap: gap)
            gap = withinSession()
        }
        let weights = spec.browseWeightsByVenue[venue.rawValue]
        for _ in 0..<rng.int(in: spec.browsePerSession) {
            let touch = spec.browse[rng.pick(weights)]
            emit(touch, on: fit(touch, channel), gap: gap)
            gap = withinSession()
        }
        if rng.chance(0.4), spec.intent.channels.allows(venue) { emit(spec.intent, on: fit(spec.intent, channel), gap: gap) }
    }

    /// A call with a question or a problem: buying gets less likely, and less again when the answer takes days.
    private mutating func supportCall() {
        emit(spec.supportCall, on: .phone, gap: withinSession())
        propensity *= spec.callPenalty
        let wait = betweenSessions()
        time += wait * 1000
        if wait > 2 * Self.day { propensity *= 0.6 }
    }

    /// A checkout left before completion: a look at the products, the cart or the first steps, then (usually)
    /// the reminder email.
    private mutating func abandon(at venue: Venue, remindAlways: Bool = false) {
        // Never past a bank's submission: an application once submitted is answered.
        let steps = rng.below(spec.approval == nil ? spec.checkout.count + 1 : spec.checkout.count)
        _ = session(at: venue, after: betweenSessions(), browsing: 1...1, steps: steps)
        if remindAlways || rng.chance(0.75) {
            emit(spec.abandonReminder, on: .email, gap: Int64(rng.int(in: 3_600...86_400)))
        }
    }

    /// A checkout that goes through to the first purchase, unless a bank declines it or the customer tires of
    /// waiting for the approval. True when it ends in a purchase.
    private mutating func checkout(at venue: Venue, after firstGap: Int64, browsing: ClosedRange<Int>) -> Bool {
        let opened = session(at: venue, after: firstGap, browsing: browsing, steps: spec.checkout.count)
        var gap = opened.gap
        if let approval = spec.approval {
            let slower = segment == 1 ? 2 : 1
            let days = rng.int(in: approval.waitDays) * slower
            let wait = Int64(days) * Self.day + Int64(rng.below(28_800))
            if rng.chance(approval.declineChance) {
                emit(approval.declined, on: .email, gap: wait)
                return false
            }
            emit(approval.approved, on: rng.chance(0.5) ? .email : .app, gap: wait)
            if days > approval.patienceDays * slower, rng.chance(approval.lostAfterLongWait) { return false }
            gap = betweenSessions()
        } else if opened.events > 0, rng.chance(0.2) {
            gap = 0
        }
        emit(spec.complete, on: fit(spec.complete, opened.channel), gap: gap)
        return !ended
    }

    /// The session that leads to a checkout at `venue`: its entry, some browsing, the intent and the first
    /// `steps` checkout steps, each where the venue has it (a store may have none of them). Returns the session's
    /// channel, the number of events and the gap before its next event.
    private mutating func session(at venue: Venue, after firstGap: Int64, browsing: ClosedRange<Int>,
                                  steps: Int) -> (channel: Channel, events: Int, gap: Int64) {
        let channel = sessionChannel(venue)
        let before = events.count
        var gap = firstGap
        if spec.enter.channels.allows(venue) {
            emit(spec.enter, on: fit(spec.enter, channel), gap: gap)
            gap = withinSession()
        }
        let weights = spec.browseWeightsByVenue[venue.rawValue]
        if weights.contains(where: { $0 > 0 }) {
            for _ in 0..<rng.int(in: browsing) {
                let touch = spec.browse[rng.pick(weights)]
                emit(touch, on: fit(touch, channel), gap: gap)
                gap = withinSession()
            }
        }
        if spec.intent.channels.allows(venue) {
            emit(spec.intent, on: fit(spec.intent, channel), gap: gap)
            gap = withinSession()
        }
        for step in spec.checkout.prefix(steps) where step.channels.allows(venue) {
            emit(step, on: fit(step, channel), gap: gap)
            gap = withinSession()
        }
        return (channel, events.count - before, gap)
    }

    /// Retention touches and repeat orders after the first purchase, then perhaps a recommendation.
    private mutating func afterPurchase(_ firstVenue: Venue) {
        followUp()
        if rng.chance(0.5) {
            let touch = spec.retain[rng.below(spec.retain.count)]
            emit(touch, on: channel(for: touch, at: .digital), gap: betweenSessions())
        }
        if rng.chance(spec.aftercareCallChance) {
            emit(spec.aftercareCall, on: .phone, gap: betweenSessions())
            satisfaction = 0.35
        }
        let mean = (segment == 1 ? spec.repeatsB2B : spec.repeatsB2C) * satisfaction
        var orders = 1
        // A geometric number of repeats with the given mean; the data set's end cuts it short.
        while !ended, rng.chance(mean / (1 + mean)) {
            let gap = Int64(rng.int(in: spec.repeatGapDays)) * Self.day + Int64(rng.below(86_400))
            let venue = rng.chance(0.6) ? firstVenue : onlineVenue(purchaseVenue())
            if rng.chance(spec.reorderShare) {
                emit(spec.repeatOrder, on: channel(for: spec.repeatOrder, at: venue), gap: gap)
            } else {
                _ = checkout(at: onlineVenue(venue), after: gap, browsing: 0...1)
            }
            if ended { break }
            orders += 1
            followUp()
        }
        guard rng.chance(spec.advocacyChance * satisfaction * (orders > 1 ? 1.3 : 1)) else { return }
        for _ in 0..<(1 + rng.below(2)) {
            let touch = spec.advocate[rng.below(spec.advocate.count)]
            emit(touch, on: channel(for: touch, at: .digital), gap: betweenSessions())
        }
    }

    /// What follows an order: tracking it, checking in; and in travel, sometimes an add-on bought.
    private mutating func followUp() {
        if let addOn = spec.addOn, rng.chance(spec.addOnChance) {
            emit(addOn, on: channel(for: addOn, at: .digital), gap: betweenSessions())
        }
        if rng.chance(0.6) {
            emit(spec.afterOrder, on: channel(for: spec.afterOrder, at: .digital), gap: betweenSessions())
        }
    }

    // MARK: Events

    /// Adds an event `gap` seconds after the previous one, unless that is past the data set's end.
    private mutating func emit(_ touch: TouchpointSpec, on channel: Channel, gap: Int64) {
        time += gap * 1000
        guard time <= end else {
            ended = true
            return
        }
        let device: Int8 = (channel == .store || channel == .phone) ? -1 : Int8(sessionDevice)
        var campaignIndex: Int8 = -1
        switch touch.campaign {
        case .none:
            break
        case .customer:
            if !rng.chance(0.1) {
                campaignIndex = Int8(rng.chance(0.75) ? campaign : rng.below(spec.customerCampaigns))
            }
        case .fixed(let index):
            campaignIndex = Int8(index)
        }
        events.append(CompactEvent(time: time, customer: customer,
                                   amount: touch.amount ? Int32(amount(addOn: touch.code == spec.addOn?.code)) : -1,
                                   touchpoint: touch.code, stage: touch.stage, channel: Int8(channel.rawValue),
                                   device: device, campaign: campaignIndex))
    }

    // MARK: Channels

    /// Where the customer buys, weighted by how they found the business.
    private mutating func purchaseVenue() -> Venue {
        Venue(rawValue: rng.pick(spec.purchaseVenues[source.rawValue]))!
    }

    /// The venue, or the web site and app in place of a store or a phone line (an abandoned cart is online).
    private func onlineVenue(_ venue: Venue) -> Venue {
        venue == .store || venue == .phone ? .digital : venue
    }

    /// The channel of a session at `venue`: for `digital`, the app or the web by the session's device.
    private mutating func sessionChannel(_ venue: Venue) -> Channel {
        switch venue {
        case .digital: rng.chance(sessionDevice == 0 ? 0.6 : 0.15) ? .app : .web
        case .social: .social
        case .store: .store
        case .phone: .phone
        }
    }

    /// `channel` when the touch can happen there, else the other of web and app, else the touch's first channel.
    private func fit(_ touch: TouchpointSpec, _ channel: Channel) -> Channel {
        if touch.channels.contains(channel) { return channel }
        if channel == .app, touch.channels.contains(.web) { return .web }
        if channel == .web, touch.channels.contains(.app) { return .app }
        return touch.channels.first
    }

    /// The session's channel when the touch can happen there, else the other of web and app, else any of its own.
    private mutating func channel(for touch: TouchpointSpec, at venue: Venue) -> Channel {
        let preferred = sessionChannel(venue)
        if touch.channels.contains(preferred) { return preferred }
        if preferred == .app, touch.channels.contains(.web) { return .web }
        if preferred == .web, touch.channels.contains(.app) { return .app }
        return touch.channels.member(rng.below(touch.channels.count))
    }

    /// An awareness or reminder touch's channel: social for those who came by social, paid ads for the others,
    /// where the touch allows it; otherwise any of its channels.
    private mutating func sourceChannel(_ touch: TouchpointSpec) -> Channel {
        let channels = touch.channels
        if channels.count == 1 { return channels.first }
        let preferred: Channel = source == .social ? .social : .paidAds
        if channels.contains(preferred), rng.chance(0.8) { return preferred }
        return channels.member(rng.below(channels.count))
    }

    // MARK: Numbers

    /// An order value in cents: mostly in the typical range (skewed low), sometimes a large order.
    private mutating func amount(addOn: Bool) -> Int {
        let u = rng.unit()
        if addOn {
            return spec.addOnAmount.lowerBound + Int(Double(spec.addOnAmount.upperBound - spec.addOnAmount.lowerBound) * u)
        }
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

    /// Seconds between sessions, from minutes to weeks (b2b cycles are slower); a new session may be on another
    /// device.
    private mutating func betweenSessions() -> Int64 {
        sessionDevice = rng.chance(0.8) ? primaryDevice : rng.below(GeneratorVocabulary.devices.count)
        let seconds = Int64(rng.int(in: Self.gapBuckets[rng.pick(spec.gapWeights)]))
        return segment == 1 ? seconds * spec.b2bGapFactor : seconds
    }
}
