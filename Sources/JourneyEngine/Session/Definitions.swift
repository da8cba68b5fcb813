// Definitions stored with the data: named stages, conditions and segments, kept as source text in the store's
// metadata (key `definitions`, JSON) so every later session sees them, and checked again on every use.
import Foundation
import JourneyStore

/// The definitions of one store, in the order they were first made.
package struct Definitions: Sendable, Hashable, Codable {
    /// One definition: `LET social = channel IN (social, paid_social)` is kind `.condition`, name `social`,
    /// text `channel IN (social, paid_social)`.
    package struct Entry: Sendable, Hashable, Codable {
        package var kind: DefinitionKind
        package var name: String
        /// The condition exactly as written (comments inside it included).
        package var text: String

        package init(kind: DefinitionKind, name: String, text: String) {
            self.kind = kind
            self.name = name
            self.text = text
        }

        /// How messages name it: `LET social`, `STAGE purchase`, `SEGMENT b2b`.
        package var title: String { "\(kind.keyword) \(name)" }
    }

    package private(set) var entries: [Entry]

    /// The metadata key the definitions are stored under.
    package static let metadataKey = "definitions"
    /// The version of the stored JSON this code writes and reads.
    static let version = 1

    package init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The definition of `kind` called exactly `name` (byte for byte, like every name in the store).
    package func entry(_ kind: DefinitionKind, _ name: String) -> Entry? {
        entries.first { $0.kind == kind && $0.name.utf8.elementsEqual(name.utf8) }
    }

    /// The names of every definition of `kind`, in definition order.
    package func names(_ kind: DefinitionKind) -> [String] {
        entries.filter { $0.kind == kind }.map(\.name)
    }

    /// Adds `entry`, or replaces the definition of the same kind and name in place; true when it replaced one.
    @discardableResult
    package mutating func set(_ entry: Entry) -> Bool {
        if let i = entries.firstIndex(where: { $0.kind == entry.kind && $0.name.utf8.elementsEqual(entry.name.utf8) }) {
            entries[i] = entry
            return true
        }
        entries.append(entry)
        return false
    }

    /// Removes the definition of `kind` called `name`; false when there was none.
    @discardableResult
    package mutating func remove(_ kind: DefinitionKind, _ name: String) -> Bool {
        let before = entries.count
        entries.removeAll { $0.kind == kind && $0.name.utf8.elementsEqual(name.utf8) }
        return entries.count != before
    }

    // MARK: Storage

    /// Applies `change` to the definitions stored in `store`, reading and writing them in one transaction.
    package static func update(in store: EventStore, _ change: (inout Definitions) throws -> Void) throws {
        try store.updateMetadata(metadataKey) { text in
            var definitions = try decode(text)
            try change(&definitions)
            return try definitions.encoded()
        }
    }

    private struct Stored: Codable {
        var version: Int
        var definitions: [Entry]
    }

    /// The definitions stored in `store` (none when the key is absent).
    /// Throws `StoreError.schema` when the stored text is not definitions this code can read.
    package static func load(from store: EventStore) throws -> Definitions {
        try decode(try store.metadata(metadataKey))
    }

    /// The definitions a stored text holds (none for no text).
    package static func decode(_ text: String?) throws -> Definitions {
        guard let text else { return Definitions() }
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(text.utf8))
        } catch {
            // The decoder's own text (DecodingError.dataCorrupted ...) says nothing to a person.
            throw StoreError.schema("the definitions stored in this store (metadata '\(metadataKey)') are damaged and "
                                    + "cannot be read; the events are not affected. To start the definitions afresh: "
                                    + "sqlite3 STORE \"DELETE FROM meta WHERE key = '\(metadataKey)'\"")
        }
        guard stored.version <= version else {
            throw StoreError.schema("the stored definitions are version \(stored.version), newer than this program's \(version)")
        }
        return Definitions(entries: stored.definitions)
    }

    /// Writes the definitions to `store`; an empty set removes the key.
    package func save(to store: EventStore) throws {
        try store.setMetadata(Self.metadataKey, try encoded())
    }

    /// The JSON text stored for these definitions, or nil for none (the key is then removed).
    package func encoded() throws -> String? {
        guard !entries.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Stored(version: Self.version, definitions: entries))
        return String(decoding: data, as: UTF8.self)
    }
}
