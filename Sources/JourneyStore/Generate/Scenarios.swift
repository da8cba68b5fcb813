// The scenarios of the generator: each business's touchpoints by role, and the shape of its journeys.

/// Indexes into `GeneratorVocabulary.channels`.
enum Channel: Int {
    case web = 0, email, social, paidAds, store, phone, app
}

/// Where a session happens. `digital` is the web site or the app, chosen by the session's device.
enum Venue: Int {
    case digital = 0, social, store, phone
}

/// How a customer first came to the business; it steers the channels of the whole journey, so those who
/// discover on social also browse and buy there more often.
enum Source: Int {
    case social = 0, paid, offline
}

/// Which campaign an event carries.
enum CampaignUse {
    case none
    /// The customer's own campaign, mostly.
    case customer
    /// Always this one (an index into the scenario's campaigns), as a triggered email has.
    case fixed(Int)
}

/// A set of channels, as bits of their raw values, so a touchpoint is a plain value (no array to retain per event).
struct ChannelSet {
    var bits: UInt8

    init(_ channels: [Channel]) {
        bits = channels.reduce(0) { $0 | 1 << UInt8($1.rawValue) }
    }

    func contains(_ channel: Channel) -> Bool { bits & 1 << UInt8(channel.rawValue) != 0 }
    var count: Int { bits.nonzeroBitCount }
    /// The member with the lowest raw value.
    var first: Channel { Channel(rawValue: bits.trailingZeroBitCount)! }

    /// The `index`th member in raw-value order (index < count).
    func member(_ index: Int) -> Channel {
        var rest = bits
        for _ in 0..<index { rest &= rest - 1 }
        return Channel(rawValue: rest.trailingZeroBitCount)!
    }

    /// Whether a session at `venue` can hold this touch: on the web or in the app for `digital`.
    func allows(_ venue: Venue) -> Bool {
        switch venue {
        case .digital: contains(.web) || contains(.app)
        case .social: contains(.social)
        case .store: contains(.store)
        case .phone: contains(.phone)
        }
    }
}

/// One kind of event a scenario produces.
struct TouchpointSpec {
    /// Index into `ScenarioSpec.names`.
    var code: Int16
    /// 0 awareness, 1 consideration, 2 purchase, 3 retention, 4 advocacy.
    var stage: Int8
    /// Where it can happen.
    var channels: ChannelSet
    var campaign: CampaignUse
    /// Carries an amount (every purchase-stage event does).
    var amount: Bool
}

/// The approval a bank gives between the submitted application and the opened account; a long wait loses customers.
struct ApprovalSpec {
    var approved: TouchpointSpec
    var declined: TouchpointSpec
    var declineChance: Double
    /// Days from submission to the answer (b2b waits twice as long, and expects to).
    var waitDays: ClosedRange<Int>
    /// After this many days (twice as many for b2b) the customer may have gone elsewhere ...
    var patienceDays: Int
    /// ... with this chance, and never opens the account.
    var lostAfterLongWait: Double
}

/// A scenario: its touchpoints by role, and the numbers that give its journeys their shape. One journey model
/// (JourneyWalker) reads these; the scenarios differ in how many sessions, searches, repeats and steps they hold.
struct ScenarioSpec {
    /// Touchpoint names by code.
    var names: [String]
    /// Campaigns; the first `customerCampaigns` are the ones a customer is acquired by.
    var campaigns: [String]
    var customerCampaigns: Int

    // Who the customers are.
    var b2bShare: Double
    /// Weights of `Source` (social, paid, offline).
    var sourceWeights: [Double]

    // Awareness: impressions and posts; the first `discover` entry is the impression a click may follow.
    var discover: [TouchpointSpec]
    /// Weights of `discover`, one list per `Source`.
    var discoverWeights: [[Double]]
    /// Awareness touches: 1 + below(`awarenessBase`) + (half the time) below(`awarenessExtra`); b2b get more.
    var awarenessBase: Int
    var awarenessExtra: Int
    var click: TouchpointSpec
    var clickChance: Double
    /// Reminders that bring a customer back between sessions (newsletters, retargeting).
    var remind: [TouchpointSpec]

    // Consideration.
    /// The chance to get past awareness at all (times the region factor).
    var considerChance: Double
    var enter: TouchpointSpec
    var browse: [TouchpointSpec]
    var browseWeights: [Double]
    /// The strongest intent signal inside a session (a cart, a saved itinerary, a started application).
    var intent: TouchpointSpec
    /// Consideration sessions of a b2c customer; b2b customers have `b2bExtraSessions` more.
    var sessions: ClosedRange<Int>
    var b2bExtraSessions: ClosedRange<Int>
    var browsePerSession: ClosedRange<Int>
    /// Weights of `Venue` for a consideration session, one list per `Source`.
    var sessionVenues: [[Double]]
    /// Weights of the gaps between sessions (see `JourneyWalker.gapBuckets`), short to long.
    var gapWeights: [Double]
    /// b2b gaps are this many times longer.
    var b2bGapFactor: Int64
    /// A pre-purchase call: the chance per session, and what it does to the chance of buying.
    var supportCall: TouchpointSpec
    var callChance: Double
    var callPenalty: Double

    // The purchase.
    /// The chance that a considering customer buys (times region, segment and account factors).
    var buyChance: Double
    /// The chance that a considering b2c customer whose last awareness touch was an ad click buys in that
    /// sitting, within minutes.
    var impulseChance: Double
    /// Consideration-stage steps between the intent and the completion (checkout_start, document_upload, ...).
    var checkout: [TouchpointSpec]
    var approval: ApprovalSpec?
    /// The first purchase; purchase stage, with an amount.
    var complete: TouchpointSpec
    /// The email after an abandoned cart, booking or application.
    var abandonReminder: TouchpointSpec
    /// The share of non-buyers who leave a started checkout, and of buyers who do so once before buying.
    var abandonChance: Double
    var recoveredChance: Double
    /// Weights of `Venue` for a purchase, one list per `Source`.
    var purchaseVenues: [[Double]]

    // After the first purchase.
    /// What follows most orders (order tracking, check-in).
    var afterOrder: TouchpointSpec
    var retain: [TouchpointSpec]
    /// A post-purchase call, and the share of repeats and advocacy that survives one.
    var aftercareCall: TouchpointSpec
    var aftercareCallChance: Double
    /// A repeat order in one event (a reorder, a rebooking, an upgrade); the rest repeat through checkout.
    var repeatOrder: TouchpointSpec
    var reorderShare: Double
    /// The mean number of repeat orders of a b2c and of a b2b buyer, and the days between them.
    var repeatsB2C: Double
    var repeatsB2B: Double
    var repeatGapDays: ClosedRange<Int>
    /// A small add-on bought after an order (travel: seats and bags), with its chance.
    var addOn: TouchpointSpec?
    var addOnChance: Double
    var advocate: [TouchpointSpec]
    var advocacyChance: Double

    /// Order values in cents: most between `typical`, a few up to `high`; add-ons in `addOnAmount`.
    var typical: ClosedRange<Int>
    var high: Int
    var addOnAmount: ClosedRange<Int>

    /// `browseWeights` with the touches a venue cannot hold weighed 0, one list per `Venue`.
    var browseWeightsByVenue: [[Double]] = []
}

/// Hands out touchpoint codes while a scenario is written down; one name keeps one code.
struct TouchpointTable {
    private(set) var names: [String] = []

    mutating func touch(_ name: String, _ stage: Int, _ channels: [Channel], campaign: CampaignUse = .none,
                        amount: Bool = false) -> TouchpointSpec {
        let code = names.firstIndex(of: name) ?? names.count
        if code == names.count { names.append(name) }
        return TouchpointSpec(code: Int16(code), stage: Int8(stage), channels: ChannelSet(channels), campaign: campaign,
                              amount: amount)
    }
}

/// The fixed value lists of generated data.
enum GeneratorVocabulary {
    static let stages = StoreCatalog.defaultStageOrder
    static let channels = ["web", "email", "social", "paid_ads", "store", "phone", "app"]
    static let devices = ["mobile", "desktop", "tablet"]
    static let segments = ["b2c", "b2b"]
    static let regions = ["amer", "emea", "apac"]

    static func spec(_ scenario: JourneyGenerator.Scenario) -> ScenarioSpec {
        switch scenario {
        case .retail: retail
        case .travel: travel
        case .banking: banking
        }
    }

    /// Retail: short, impulsive journeys (a fifth of buyers buy within minutes of an ad click), shopping in the
    /// app, on social and in the store as well as on the web, and frequent repeat orders.
    static let retail: ScenarioSpec = {
        var t = TouchpointTable()
        let supportCall = t.touch("support_call", 1, [.phone])
        return ScenarioSpec(
            names: [], campaigns: ["spring_sale", "summer_drop", "brand_awareness", "black_friday", "retarget_cart"],
            customerCampaigns: 4,
            b2bShare: 0.2, sourceWeights: [0.35, 0.45, 0.20],
            discover: [t.touch("ad_impression", 0, [.paidAds, .social], campaign: .customer),
                       t.touch("social_post_view", 0, [.social], campaign: .customer),
                       t.touch("store_visit", 0, [.store])],
            discoverWeights: [[0.45, 0.5, 0.05], [0.8, 0.12, 0.08], [0.35, 0.1, 0.55]],
            awarenessBase: 4, awarenessExtra: 5,
            click: t.touch("ad_click", 0, [.paidAds, .social], campaign: .customer), clickChance: 0.3,
            remind: [t.touch("email_open", 0, [.email], campaign: .customer),
                     t.touch("ad_impression", 0, [.paidAds, .social], campaign: .customer)],
            considerChance: 0.5,
            enter: t.touch("site_visit", 1, [.web, .app]),
            browse: [t.touch("product_view", 1, [.web, .app, .social]), t.touch("search", 1, [.web, .app]),
                     t.touch("wishlist_add", 1, [.web, .app, .social])],
            browseWeights: [0.55, 0.3, 0.15],
            intent: t.touch("cart_add", 1, [.web, .app, .social]),
            sessions: 1...3, b2bExtraSessions: 1...3, browsePerSession: 1...5,
            sessionVenues: [[0.6, 0.4, 0, 0], [0.95, 0.05, 0, 0], [0.95, 0.05, 0, 0]],
            gapWeights: [25, 25, 20, 15, 10, 5], b2bGapFactor: 2,
            supportCall: supportCall, callChance: 0.05, callPenalty: 0.45,
            buyChance: 0.36, impulseChance: 0.25,
            checkout: [t.touch("checkout_start", 1, [.web, .app, .social])],
            approval: nil,
            complete: t.touch("checkout_complete", 2, [.web, .app, .social, .store], amount: true),
            abandonReminder: t.touch("abandoned_cart_email", 1, [.email], campaign: .fixed(4)),
            abandonChance: 0.3, recoveredChance: 0.12,
            purchaseVenues: [[0.55, 0.4, 0.05, 0], [0.88, 0.04, 0.08, 0], [0.35, 0.02, 0.63, 0]],
            afterOrder: t.touch("order_tracking", 3, [.app, .web, .email]),
            retain: [t.touch("loyalty_signup", 3, [.app, .email])],
            aftercareCall: t.touch("support_call", 3, [.phone]), aftercareCallChance: 0.12,
            repeatOrder: t.touch("repeat_purchase", 2, [.web, .app, .social, .store], amount: true), reorderShare: 0.75,
            repeatsB2C: 2.2, repeatsB2B: 3.5, repeatGapDays: 7...60,
            addOn: nil, addOnChance: 0,
            advocate: [t.touch("review_written", 4, [.web]), t.touch("referral", 4, [.email, .social]),
                       t.touch("social_share", 4, [.social])],
            advocacyChance: 0.3,
            typical: 1_500...18_000, high: 95_000, addOnAmount: 0...0
        ).named(t.names)
    }()

    /// Travel: long consideration with many searches and price alerts, bookings on the web, in the app, by phone
    /// and at agencies, and few trips a year (business travellers more).
    static let travel: ScenarioSpec = {
        var t = TouchpointTable()
        let supportCall = t.touch("support_call", 1, [.phone])
        return ScenarioSpec(
            names: [], campaigns: ["summer_escape", "city_breaks", "last_minute", "loyalty_boost", "finish_your_booking"],
            customerCampaigns: 4,
            b2bShare: 0.25, sourceWeights: [0.25, 0.55, 0.20],
            discover: [t.touch("ad_impression", 0, [.paidAds, .social], campaign: .customer),
                       t.touch("travel_blog_visit", 0, [.web, .social]),
                       t.touch("social_post_view", 0, [.social], campaign: .customer)],
            discoverWeights: [[0.35, 0.2, 0.45], [0.6, 0.3, 0.1], [0.4, 0.5, 0.1]],
            awarenessBase: 3, awarenessExtra: 4,
            click: t.touch("ad_click", 0, [.paidAds, .social], campaign: .customer), clickChance: 0.25,
            remind: [t.touch("newsletter_open", 0, [.email], campaign: .customer),
                     t.touch("price_drop_email", 0, [.email], campaign: .customer)],
            considerChance: 0.5,
            enter: t.touch("destination_search", 1, [.web, .app]),
            browse: [t.touch("flight_search", 1, [.web, .app, .phone, .store]),
                     t.touch("hotel_view", 1, [.web, .app, .social, .store]),
                     t.touch("price_alert_set", 1, [.app, .email])],
            browseWeights: [0.6, 0.3, 0.1],
            intent: t.touch("itinerary_save", 1, [.web, .app]),
            sessions: 2...5, b2bExtraSessions: 0...2, browsePerSession: 1...4,
            sessionVenues: [[0.85, 0.15, 0, 0], [0.97, 0.01, 0, 0.02], [0.75, 0, 0.1, 0.15]],
            gapWeights: [5, 10, 15, 20, 25, 25], b2bGapFactor: 1,
            supportCall: supportCall, callChance: 0.04, callPenalty: 0.5,
            buyChance: 0.4, impulseChance: 0.01,
            checkout: [t.touch("booking_start", 1, [.web, .app, .phone, .social, .store])],
            approval: nil,
            complete: t.touch("booking_complete", 2, [.web, .app, .phone, .social, .store], amount: true),
            abandonReminder: t.touch("booking_reminder_email", 1, [.email], campaign: .fixed(4)),
            abandonChance: 0.3, recoveredChance: 0.15,
            purchaseVenues: [[0.82, 0.12, 0.02, 0.04], [0.88, 0.02, 0.03, 0.07], [0.45, 0.01, 0.32, 0.22]],
            afterOrder: t.touch("online_checkin", 3, [.app, .web]),
            retain: [t.touch("trip_completed", 3, [.app]), t.touch("loyalty_points_earned", 3, [.email, .app])],
            aftercareCall: t.touch("support_call", 3, [.phone]), aftercareCallChance: 0.1,
            repeatOrder: t.touch("rebooking", 2, [.web, .app, .phone], amount: true), reorderShare: 0.5,
            repeatsB2C: 0.9, repeatsB2B: 3.5, repeatGapDays: 21...120,
            addOn: t.touch("ancillary_purchase", 2, [.web, .app], amount: true), addOnChance: 0.6,
            advocate: [t.touch("review_written", 4, [.web, .app]), t.touch("referral", 4, [.email, .social]),
                       t.touch("photo_shared", 4, [.social])],
            advocacyChance: 0.35,
            typical: 15_000...180_000, high: 900_000, addOnAmount: 2_500...20_000
        ).named(t.names)
    }()

    /// Banking: applications that are submitted, checked and approved (or declined) over days, advisers in the
    /// branch and on the phone, long b2b cycles, and further products after the first account.
    static let banking: ScenarioSpec = {
        var t = TouchpointTable()
        let supportCall = t.touch("support_call", 1, [.phone])
        return ScenarioSpec(
            names: [], campaigns: ["cashback_card", "mortgage_rates", "student_account", "savings_boost",
                                   "complete_your_application"],
            customerCampaigns: 4,
            b2bShare: 0.3, sourceWeights: [0.2, 0.47, 0.33],
            discover: [t.touch("ad_impression", 0, [.paidAds, .social], campaign: .customer),
                       t.touch("branch_visit", 0, [.store]),
                       t.touch("social_post_view", 0, [.social], campaign: .customer)],
            discoverWeights: [[0.4, 0.05, 0.55], [0.8, 0.1, 0.1], [0.3, 0.6, 0.1]],
            awarenessBase: 3, awarenessExtra: 5,
            click: t.touch("ad_click", 0, [.paidAds, .social], campaign: .customer), clickChance: 0.25,
            remind: [t.touch("email_open", 0, [.email], campaign: .customer),
                     t.touch("rate_alert_open", 0, [.email], campaign: .customer)],
            considerChance: 0.5,
            enter: t.touch("product_page_view", 1, [.web, .app]),
            browse: [t.touch("rate_comparison", 1, [.web]), t.touch("calculator_use", 1, [.web, .app]),
                     t.touch("advisor_chat", 1, [.phone, .web, .store, .social])],
            browseWeights: [0.45, 0.35, 0.2],
            intent: t.touch("application_start", 1, [.web, .app, .store, .phone, .social]),
            sessions: 1...4, b2bExtraSessions: 2...4, browsePerSession: 1...3,
            sessionVenues: [[0.85, 0.05, 0.05, 0.05], [0.8, 0, 0.1, 0.1], [0.4, 0, 0.4, 0.2]],
            gapWeights: [10, 15, 20, 20, 20, 15], b2bGapFactor: 3,
            supportCall: supportCall, callChance: 0.06, callPenalty: 0.5,
            buyChance: 0.5, impulseChance: 0,
            checkout: [t.touch("document_upload", 1, [.web, .app, .store]),
                       t.touch("application_submit", 1, [.web, .app, .store, .phone, .social])],
            approval: ApprovalSpec(approved: t.touch("application_approved", 1, [.email, .app]),
                                   declined: t.touch("application_declined", 1, [.email]),
                                   declineChance: 0.12, waitDays: 1...14, patienceDays: 7, lostAfterLongWait: 0.45),
            complete: t.touch("account_opened", 2, [.web, .app, .store, .phone, .social], amount: true),
            abandonReminder: t.touch("application_reminder", 1, [.email], campaign: .fixed(4)),
            abandonChance: 0.3, recoveredChance: 0.1,
            purchaseVenues: [[0.73, 0.15, 0.07, 0.05], [0.8, 0.01, 0.1, 0.09], [0.25, 0, 0.6, 0.15]],
            afterOrder: t.touch("mobile_login", 3, [.app]),
            retain: [t.touch("bill_pay", 3, [.app, .web]), t.touch("direct_deposit_setup", 3, [.web, .app])],
            aftercareCall: t.touch("support_call", 3, [.phone]), aftercareCallChance: 0.15,
            repeatOrder: t.touch("product_upgrade", 2, [.web, .app, .store, .phone], amount: true), reorderShare: 1,
            repeatsB2C: 2.0, repeatsB2B: 3.5, repeatGapDays: 14...90,
            addOn: nil, addOnChance: 0,
            advocate: [t.touch("review_written", 4, [.web]), t.touch("referral", 4, [.email, .social]),
                       t.touch("survey_response", 4, [.email, .web])],
            advocacyChance: 0.3,
            typical: 10_000...500_000, high: 2_500_000, addOnAmount: 0...0
        ).named(t.names)
    }()
}

extension ScenarioSpec {
    /// The spec with its touchpoint names and the derived tables filled in (the names are known only once every
    /// touch is written down).
    func named(_ names: [String]) -> ScenarioSpec {
        var spec = self
        spec.names = names
        spec.browseWeightsByVenue = (0..<4).map { venue in
            zip(browse, browseWeights).map { touch, weight in touch.channels.allows(Venue(rawValue: venue)!) ? weight : 0 }
        }
        return spec
    }
}
