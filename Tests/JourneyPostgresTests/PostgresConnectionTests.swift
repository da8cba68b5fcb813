// The libpq wrapper against a real server of the test's own.
import JourneyEngine
@testable import JourneyPostgres
import Testing

@Suite(.serialized) struct PostgresConnectionTests {
    @Test func valuesTravelAsBoundParameters() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let connection = try PostgresConnection(url: server.url)
        let sum = try connection.execute("SELECT $1::int + $2::int AS sum", parameters: ["40", "2"])
        #expect(sum == PostgresRows(columns: ["sum"], rows: [["42"]]))
        // A value with quotes and a semicolon is data, never SQL; NULL comes back as nil.
        let hostile = "x'); DROP TABLE t; --"
        try connection.execute("CREATE TABLE t (name text)")
        try connection.execute("INSERT INTO t VALUES ($1), ($2)", parameters: [hostile, nil])
        let rows = try connection.execute("SELECT name FROM t ORDER BY name NULLS LAST")
        #expect(rows.rows == [[hostile], [nil]])
    }

    @Test func aServerErrorHasItsState() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let connection = try PostgresConnection(url: server.url)
        do {
            try connection.execute("SELECT * FROM missing_table")
            Issue.record("a query of a missing table succeeded")
        } catch {
            #expect(error.sqlState == "42P01")
            #expect(error.message.contains("missing_table"))
        }
    }

    @Test func aFailedConnectionNeverShowsThePassword() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let wrong = "postgres://journey:not-the-password@127.0.0.1:\(server.port)/postgres"
        do {
            _ = try PostgresConnection(url: wrong)
            Issue.record("a wrong password connected")
        } catch {
            #expect(error.sqlState == nil)
            #expect(!error.message.contains("not-the-password"), "\(error.message)")
            #expect(error.message.contains("journey:***@127.0.0.1"), "\(error.message)")
            #expect(error.message.contains("password authentication failed"), "\(error.message)")
        }
    }

    @Test func aCancelledTokenStopsTheServersStatement() throws {
        let server = try TemporaryServer.start()
        defer { server.stop() }
        let connection = try PostgresConnection(url: server.url)
        let canceller = try #require(connection.canceller())
        let token = CancellationToken()
        token.cancel()
        let started = ContinuousClock.now
        do {
            _ = try token.interrupting(with: { canceller.send() }) { try connection.execute("SELECT pg_sleep(20)") }
            Issue.record("a cancelled statement ran to its end")
        } catch let error as PostgresError {
            #expect(error.sqlState == "57014", "\(error)")   // query_canceled
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        // The connection serves the next statement.
        #expect(try connection.execute("SELECT 1").rows == [["1"]])
    }

    @Test func urlsAreRedacted() {
        #expect(PostgresConnection.redacting("postgres://ann:pw@db:5432/shop") == "postgres://ann:***@db:5432/shop")
        #expect(PostgresConnection.redacting("postgresql://ann@db/shop") == "postgresql://ann@db/shop")
        #expect(PostgresConnection.redacting("postgres://ann:p@ss@db/shop?sslmode=require")
                == "postgres://ann:***@db/shop?sslmode=require")
        #expect(PostgresConnection.password(in: "host=db user=ann") == nil)
    }
}
