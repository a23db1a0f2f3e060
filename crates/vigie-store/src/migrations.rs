//! Versioned schema migrations, one SQL file per version and backend, applied in order inside a transaction
//! and recorded in `schema_migrations`.

/// A migration: its version and its SQL for each backend.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// Every migration, oldest first. Never edit a released one: add the next version.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_post_lists.sql"),
        postgres: include_str!("../migrations/postgres/0002_post_lists.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_media_pdq.sql"),
        postgres: include_str!("../migrations/postgres/0003_media_pdq.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_banks.sql"),
        postgres: include_str!("../migrations/postgres/0004_banks.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_cases.sql"),
        postgres: include_str!("../migrations/postgres/0005_cases.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_review.sql"),
        postgres: include_str!("../migrations/postgres/0006_review.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_case_author.sql"),
        postgres: include_str!("../migrations/postgres/0007_case_author.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_case_category.sql"),
        postgres: include_str!("../migrations/postgres/0008_case_category.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_bank_entry_index.sql"),
        postgres: include_str!("../migrations/postgres/0009_bank_entry_index.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_retro_hunt.sql"),
        postgres: include_str!("../migrations/postgres/0010_retro_hunt.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_import_progress.sql"),
        postgres: include_str!("../migrations/postgres/0011_import_progress.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_case_evidence.sql"),
        postgres: include_str!("../migrations/postgres/0012_case_evidence.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_referrals.sql"),
        postgres: include_str!("../migrations/postgres/0013_referrals.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_bank_removals.sql"),
        postgres: include_str!("../migrations/postgres/0014_bank_removals.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("../migrations/sqlite/0015_post_url.sql"),
        postgres: include_str!("../migrations/postgres/0015_post_url.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("../migrations/sqlite/0016_network.sql"),
        postgres: include_str!("../migrations/postgres/0016_network.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("../migrations/sqlite/0017_network_packs.sql"),
        postgres: include_str!("../migrations/postgres/0017_network_packs.sql"),
    },
    Migration {
        version: 18,
        sqlite: include_str!("../migrations/sqlite/0018_media_vpdq.sql"),
        postgres: include_str!("../migrations/postgres/0018_media_vpdq.sql"),
    },
];

/// The newest schema version this build knows.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}
