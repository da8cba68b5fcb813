// The vocabulary of each generated scenario: touchpoints per stage, their channels, campaigns and order values.

/// Indexes into `GeneratorVocabulary.channels`.
enum Channel: Int {
    case web = 0, email, social, paidAds, store, phone, app
}

/// One kind of event a scenario produces.
struct TouchpointSpec {
    var name: String
    /// 0 awareness, 1 consideration, 2 purchase, 3 retention, 4 advocacy.
    var stage: Int
    var channels: [Channel]
    /// Carries the customer's campaign (paid, social and email touches).
    var campaign: Bool = false
    /// Carries an amount (purchases).
    var amount: Bool = false
}

/// The touchpoints of a scenario by role, so one journey model serves all three scenarios.
struct ScenarioSpec {
    /// First contact: impressions and posts. The first entry is the impression an optional click follows.
    var discover: [TouchpointSpec]
    /// The click that may follow an impression within seconds.
    var click: TouchpointSpec
    /// Reminders that bring a customer back (newsletters, retargeting).
    var remind: [TouchpointSpec]
    /// The entry of a consideration session, then what happens inside one, then the strongest intent signal.
    var enter: TouchpointSpec
    var browse: [TouchpointSpec]
    var intent: TouchpointSpec
    /// Starting and completing a purchase; the completion carries the amount.
    var checkoutStart: TouchpointSpec
    var checkoutComplete: TouchpointSpec
    /// After a purchase.
    var retain: [TouchpointSpec]
    var repeatPurchase: TouchpointSpec
    var advocate: [TouchpointSpec]
    var campaigns: [String]
    /// Order values in cents: most between `typical`, a few up to `high`.
    var typical: ClosedRange<Int>
    var high: Int

    /// Every touchpoint once, in stage order.
    var all: [TouchpointSpec] {
        discover + [click] + remind + [enter] + browse + [intent, checkoutStart, checkoutComplete] + retain + [repeatPurchase] + advocate
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

    private static func touch(_ name: String, _ stage: Int, _ channels: [Channel], campaign: Bool = false,
                              amount: Bool = false) -> TouchpointSpec {
        TouchpointSpec(name: name, stage: stage, channels: channels, campaign: campaign, amount: amount)
    }

    static let retail = ScenarioSpec(
        discover: [touch("ad_impression", 0, [.paidAds, .social], campaign: true),
                   touch("social_post_view", 0, [.social], campaign: true),
                   touch("store_visit", 0, [.store])],
        click: touch("ad_click", 0, [.paidAds, .social], campaign: true),
        remind: [touch("email_open", 0, [.email], campaign: true),
                 touch("ad_impression", 0, [.paidAds], campaign: true)],
        enter: touch("site_visit", 1, [.web, .app]),
        browse: [touch("product_view", 1, [.web, .app]), touch("search", 1, [.web, .app]),
                 touch("wishlist_add", 1, [.web, .app])],
        intent: touch("cart_add", 1, [.web, .app]),
        checkoutStart: touch("checkout_start", 2, [.web, .app]),
        checkoutComplete: touch("checkout_complete", 2, [.web, .app, .store], amount: true),
        retain: [touch("order_tracking", 3, [.app, .web, .email]), touch("support_call", 3, [.phone]),
                 touch("loyalty_signup", 3, [.app, .email])],
        repeatPurchase: touch("repeat_purchase", 3, [.web, .app, .store], amount: true),
        advocate: [touch("review_written", 4, [.web]), touch("referral", 4, [.email, .social]),
                   touch("social_share", 4, [.social])],
        campaigns: ["spring_sale", "summer_drop", "brand_awareness", "retarget_cart", "black_friday"],
        typical: 1_500...18_000, high: 95_000)

    static let travel = ScenarioSpec(
        discover: [touch("ad_impression", 0, [.paidAds, .social], campaign: true),
                   touch("travel_blog_visit", 0, [.web, .social]),
                   touch("social_post_view", 0, [.social], campaign: true)],
        click: touch("ad_click", 0, [.paidAds, .social], campaign: true),
        remind: [touch("newsletter_open", 0, [.email], campaign: true),
                 touch("price_drop_email", 0, [.email], campaign: true)],
        enter: touch("destination_search", 1, [.web, .app]),
        browse: [touch("flight_search", 1, [.web, .app]), touch("hotel_view", 1, [.web, .app]),
                 touch("price_alert_set", 1, [.app, .email])],
        intent: touch("itinerary_save", 1, [.web, .app]),
        checkoutStart: touch("booking_start", 2, [.web, .app, .phone]),
        checkoutComplete: touch("booking_complete", 2, [.web, .app, .phone], amount: true),
        retain: [touch("online_checkin", 3, [.app, .web]), touch("trip_completed", 3, [.app]),
                 touch("support_call", 3, [.phone]), touch("loyalty_points_earned", 3, [.email, .app])],
        repeatPurchase: touch("rebooking", 3, [.web, .app], amount: true),
        advocate: [touch("review_written", 4, [.web, .app]), touch("referral", 4, [.email, .social]),
                   touch("photo_shared", 4, [.social])],
        campaigns: ["summer_escape", "city_breaks", "last_minute", "loyalty_boost"],
        typical: 15_000...180_000, high: 900_000)

    static let banking = ScenarioSpec(
        discover: [touch("ad_impression", 0, [.paidAds, .social], campaign: true),
                   touch("branch_visit", 0, [.store]),
                   touch("social_post_view", 0, [.social], campaign: true)],
        click: touch("ad_click", 0, [.paidAds, .social], campaign: true),
        remind: [touch("email_open", 0, [.email], campaign: true),
                 touch("rate_alert_open", 0, [.email], campaign: true)],
        enter: touch("product_page_view", 1, [.web, .app]),
        browse: [touch("rate_comparison", 1, [.web]), touch("calculator_use", 1, [.web, .app]),
                 touch("advisor_chat", 1, [.phone, .web, .store])],
        intent: touch("application_start", 1, [.web, .app, .store]),
        checkoutStart: touch("application_submit", 2, [.web, .app, .store]),
        checkoutComplete: touch("account_opened", 2, [.web, .app, .store], amount: true),
        retain: [touch("mobile_login", 3, [.app]), touch("bill_pay", 3, [.app, .web]),
                 touch("support_call", 3, [.phone]), touch("direct_deposit_setup", 3, [.web, .app])],
        repeatPurchase: touch("product_upgrade", 3, [.web, .app, .store], amount: true),
        advocate: [touch("review_written", 4, [.web]), touch("referral", 4, [.email, .social]),
                   touch("survey_response", 4, [.email, .web])],
        campaigns: ["cashback_card", "mortgage_rates", "student_account", "savings_boost"],
        typical: 10_000...500_000, high: 2_500_000)
}
