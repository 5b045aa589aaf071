// SPDX-License-Identifier: Apache-2.0
import Testing

// The same scenarios on both databases; PostgreSQL's suite is skipped, saying why, without a server.

@Suite("SQLite store")
struct SQLiteStoreTests {
    let kind = StoreKind.sqlite

    @Test func storesANewBatch() async throws { try await IngestScenarios.storesANewBatch(kind) }
    @Test func duplicateIsAcknowledgedAndNotStoredTwice() async throws {
        try await IngestScenarios.duplicateIsAcknowledgedAndNotStoredTwice(kind)
    }
    @Test func reusedSequenceIsRefusedAndRecorded() async throws {
        try await IngestScenarios.reusedSequenceIsRefusedAndRecorded(kind)
    }
    @Test func refusalsChangeNothing() async throws { try await IngestScenarios.refusalsChangeNothing(kind) }
    @Test func racingStoresStoreOnce() async throws { try await IngestScenarios.racingStoresStoreOnce(kind) }
    @Test func migrationsAreIdempotent() async throws { try await IngestScenarios.migrationsAreIdempotent(kind) }
    @Test func latestStateWinsRegardlessOfArrival() async throws {
        try await IngestScenarios.latestStateWinsRegardlessOfArrival(kind)
    }
    @Test func gapsAccountForReplacedAndLostBatches() async throws {
        try await QueryScenarios.gapsAccountForReplacedAndLostBatches(kind)
    }
    @Test func alertFiltersSelectTheRightRows() async throws {
        try await QueryScenarios.alertFiltersSelectTheRightRows(kind)
    }
    @Test func paginationWalksEveryRowOnce() async throws { try await QueryScenarios.paginationWalksEveryRowOnce(kind) }
    @Test func summariesFilterAndCarryThePair() async throws {
        try await QueryScenarios.summariesFilterAndCarryThePair(kind)
    }
    @Test func databaseFailureIs503() async throws { try await IngestScenarios.databaseFailureIs503() }
}

@Suite("PostgreSQL store", .enabled(if: StoreKind.postgresURL != nil, StoreKind.postgresSkipReason))
struct PostgresStoreTests {
    let kind = StoreKind.postgres

    @Test func storesANewBatch() async throws { try await IngestScenarios.storesANewBatch(kind) }
    @Test func duplicateIsAcknowledgedAndNotStoredTwice() async throws {
        try await IngestScenarios.duplicateIsAcknowledgedAndNotStoredTwice(kind)
    }
    @Test func reusedSequenceIsRefusedAndRecorded() async throws {
        try await IngestScenarios.reusedSequenceIsRefusedAndRecorded(kind)
    }
    @Test func refusalsChangeNothing() async throws { try await IngestScenarios.refusalsChangeNothing(kind) }
    @Test func racingStoresStoreOnce() async throws { try await IngestScenarios.racingStoresStoreOnce(kind) }
    @Test func migrationsAreIdempotent() async throws { try await IngestScenarios.migrationsAreIdempotent(kind) }
    @Test func latestStateWinsRegardlessOfArrival() async throws {
        try await IngestScenarios.latestStateWinsRegardlessOfArrival(kind)
    }
    @Test func gapsAccountForReplacedAndLostBatches() async throws {
        try await QueryScenarios.gapsAccountForReplacedAndLostBatches(kind)
    }
    @Test func alertFiltersSelectTheRightRows() async throws {
        try await QueryScenarios.alertFiltersSelectTheRightRows(kind)
    }
    @Test func paginationWalksEveryRowOnce() async throws { try await QueryScenarios.paginationWalksEveryRowOnce(kind) }
    @Test func summariesFilterAndCarryThePair() async throws {
        try await QueryScenarios.summariesFilterAndCarryThePair(kind)
    }
}
