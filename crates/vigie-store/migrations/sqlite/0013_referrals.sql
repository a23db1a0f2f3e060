-- Vigie store, schema version 13: referrals.
--
-- A referral is a batch of confirmed cases of one platform, sent to it through its own channel, and followed
-- until the platform answers. A case is referred at most once (the unique case_id). Every change of a referral
-- is audited. A scan after a referral was sent marks an item seen live again (`seen_live_at`: still live after
-- referral) or, when the scan covered the platform and no longer saw the account, `gone_at` (no longer observed).
CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    template    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX referrals_platform ON referrals (platform, status);

CREATE TABLE referral_items (
    referral_id   INTEGER NOT NULL REFERENCES referrals (id),
    case_id       INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    outcome       TEXT,
    actioned_at   INTEGER,
    seen_live_at  INTEGER,
    gone_at       INTEGER,
    PRIMARY KEY (referral_id, case_id)
);
