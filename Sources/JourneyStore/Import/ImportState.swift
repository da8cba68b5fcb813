// The in-memory mirror of what an import extends: customer ids, dictionary codes and the running counters.

/// What an import needs to assign ids and codes without asking SQLite per row.
///
/// The store keeps one between imports; an import works on its own copy and hands it back only after commit,
/// so a failed import leaves nothing behind in memory either.
struct ImportState {
    /// The customers' numbers by key: every customer of the store when `hasEveryCustomer`, else only those this
    /// process has looked up (see `load`).
    var customers = ByteKeyTable()
    var hasEveryCustomer = true
    var nextCustomerID: Int64 = 1
    /// Codes per dictionary column, indexed by `EventColumn.rawValue`.
    var codes: [ByteKeyTable] = Array(repeating: ByteKeyTable(), count: EventColumn.allCases.count + 1)
    var nextCodes: [Int64] = Array(repeating: 1, count: EventColumn.allCases.count + 1)
    var counters = EventStore.Counters()

    /// An import of about `expectedRows` rows looks its customers up one by one, through the key index, when the
    /// store has more than this many customers per row: reading every customer costs about 1 µs each (0.7 s for
    /// 820,000), a lookup a few µs.
    static let customersPerRowForLookups: Int64 = 3

    /// Whether an import of about `expectedRows` rows (nil: unknown, or every customer needed) into a store whose
    /// customers are numbered up to `customers` looks them up one by one instead of reading them all.
    static func looksUpCustomers(expectedRows: Int64?, customers: Int64) -> Bool {
        guard let expectedRows else { return false }
        return expectedRows * customersPerRowForLookups < customers
    }

    /// Reads the state from the store's tables: every customer, unless `expectedRows` (nil: unknown) is small next
    /// to their number, in which case the import looks its customers up as they come.
    /// With `readsCustomers` false the caller fills `customers` itself (see `CustomerImporter`).
    static func load(_ store: EventStore, expectedRows: Int64?, readsCustomers: Bool = true) throws -> ImportState {
        var state = ImportState()
        let last = try store.db.prepare("SELECT coalesce(max(id), 0) FROM customer_keys")
        let lastCustomer = try last.step() ? last.int64(0) : 0
        last.reset()
        if !readsCustomers || looksUpCustomers(expectedRows: expectedRows, customers: lastCustomer) {
            state.hasEveryCustomer = false
            state.nextCustomerID = lastCustomer + 1
        } else {
            // Numbers are dense from 1, so the largest is about how many there are: one table, never rehashed.
            state.customers.reserveCapacity(Int(lastCustomer))
            let customers = try store.db.prepare("SELECT id, key FROM customer_keys")
            while try customers.step() {
                let id = customers.int64(0)
                // The key's bytes straight from SQLite: a String per customer cost a third of this loop.
                customers.withText(1) { key in
                    if let key {
                        state.customers.insert(key, value: id)
                    } else {
                        state.customers.insert("", value: id)
                    }
                }
                state.nextCustomerID = max(state.nextCustomerID, id + 1)
            }
        }
        let dictionary = try store.db.prepare("SELECT col, code, value FROM dictionary")
        while try dictionary.step() {
            let column = Int(dictionary.int64(0))
            guard column > 0, column < state.codes.count else { continue }
            let code = dictionary.int64(1)
            state.codes[column].insert(dictionary.text(2) ?? "", value: code)
            state.nextCodes[column] = max(state.nextCodes[column], code + 1)
        }
        state.counters = try store.readCounters()
        return state
    }
}

extension EventStore {
    /// Runs `body` in one write transaction with the store's import state; the state is kept only if it commits.
    /// `expectedRows` is how many rows the import will bring (nil when it needs every customer in the state; see
    /// `ImportState.load`).
    /// With `bodyReadsCustomers`, a state loaded here leaves the customers out (`hasEveryCustomer` false) for
    /// `body` to read.
    func withImportState<T>(expectedRows: Int64?, bodyReadsCustomers: Bool = false,
                            _ body: (inout ImportState) throws -> T) throws -> T {
        // Taking the cached copy out means the session's changes do not copy its tables, and a failure leaves
        // nothing stale behind: the next import reloads from the rolled-back file.
        var cached = importState
        importState = nil
        cachedCatalog = nil
        var committed: ImportState?
        let result = try db.transaction {
            // Inside the write transaction no other connection can commit, so this check cannot go stale.
            var state: ImportState
            if try db.dataVersion() == cacheVersion, let taken = cached,
               taken.hasEveryCustomer || ImportState.looksUpCustomers(expectedRows: expectedRows, customers: taken.nextCustomerID - 1) {
                state = taken
            } else {
                state = try ImportState.load(self, expectedRows: expectedRows, readsCustomers: !bodyReadsCustomers)
            }
            // The state must be the tables' only owner, or the first change would copy them whole.
            cached = nil
            let result = try body(&state)
            committed = state
            return result
        }
        importState = committed
        cacheVersion = try db.dataVersion()
        return result
    }
}
