"""The canonical, platform-neutral schema of a case database, and its migrations.

Every schema change is a new entry in ``MIGRATIONS``; applied versions are recorded in the ``schema_migrations``
table of the case file itself, so a case written by a newer botwatch is refused with a clear error.
"""

from __future__ import annotations

ITEM_KINDS = ("post", "comment", "reply", "repost", "message")

# Columns that adapters may fill for an item, with their Arrow/DuckDB types. Everything else is derived.
ITEM_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",
    "item_id": "VARCHAR",
    "account_id": "VARCHAR",
    "kind": "VARCHAR",
    "parent_id": "VARCHAR",
    "root_id": "VARCHAR",
    "channel": "VARCHAR",
    "created_at_raw": "VARCHAR",
    "created_at_epoch": "DOUBLE",
    "text": "VARCHAR",
    "lang": "VARCHAR",
    "links": "VARCHAR[]",
    "hashtags": "VARCHAR[]",
    "mentions": "VARCHAR[]",
    "media": "VARCHAR[]",
    "repost_of": "VARCHAR",
    "reactions": "BIGINT",
    "replies": "BIGINT",
    "reposts": "BIGINT",
    "views": "BIGINT",
    "position": "BIGINT",
    "raw": "VARCHAR",
    # author details seen on the item itself (become an account observation)
    "handle": "VARCHAR",
    "display_name": "VARCHAR",
}

ACCOUNT_FIELDS: dict[str, str] = {
    "platform": "VARCHAR",
    "account_id": "VARCHAR",
    "handle": "VARCHAR",
    "display_name": "VARCHAR",
    "created_at_raw": "VARCHAR",
    "created_at_epoch": "DOUBLE",
    "bio": "VARCHAR",
    "avatar_url": "VARCHAR",
    "avatar_path": "VARCHAR",
    "followers": "BIGINT",
    "following": "BIGINT",
    "posts_count": "BIGINT",
    "verified": "BOOLEAN",
    "position": "BIGINT",
    "raw": "VARCHAR",
    "is_profile": "BOOLEAN",
}

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "initial canonical schema",
        """
        CREATE TABLE sources (
            source_id INTEGER PRIMARY KEY,
            path VARCHAR, file_name VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
            format VARCHAR, format_reason VARCHAR, platform VARCHAR, timezone VARCHAR, options JSON,
            records_read BIGINT, items_stored BIGINT, accounts_stored BIGINT,
            quarantined BIGINT, duplicates BIGINT,
            botwatch_version VARCHAR, ingested_at TIMESTAMP
        );
        CREATE TABLE items (
            platform VARCHAR NOT NULL, item_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, parent_id VARCHAR, root_id VARCHAR, channel VARCHAR,
            created_at TIMESTAMP NOT NULL, created_at_raw VARCHAR,
            text VARCHAR, lang VARCHAR, links VARCHAR[], hashtags VARCHAR[], mentions VARCHAR[], media VARCHAR[],
            repost_of VARCHAR, reactions BIGINT, replies BIGINT, reposts BIGINT, views BIGINT,
            source_id INTEGER, position BIGINT, raw VARCHAR, raw_hash VARCHAR
        );
        CREATE TABLE account_observations (
            platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL, handle VARCHAR, display_name VARCHAR,
            created_at TIMESTAMP, created_at_raw VARCHAR, bio VARCHAR, avatar_url VARCHAR, avatar_path VARCHAR,
            followers BIGINT, following BIGINT, posts_count BIGINT, verified BOOLEAN,
            is_profile BOOLEAN, source_id INTEGER, position BIGINT, raw VARCHAR, raw_hash VARCHAR
        );
        CREATE TABLE accounts (
            platform VARCHAR NOT NULL, account_id VARCHAR NOT NULL, handle VARCHAR, display_name VARCHAR,
            created_at TIMESTAMP, bio VARCHAR, avatar_url VARCHAR, avatar_path VARCHAR,
            followers BIGINT, following BIGINT, posts_count BIGINT, verified BOOLEAN,
            source_ids INTEGER[], n_items BIGINT
        );
        CREATE TABLE quarantine (
            source_id INTEGER, file_name VARCHAR, position BIGINT, position_kind VARCHAR,
            reason VARCHAR, raw VARCHAR
        );
        CREATE TABLE runs (
            run_id INTEGER PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
            botwatch_version VARCHAR, seed BIGINT, config JSON, detectors VARCHAR[]
        );
        """,
    ),
    (
        2,
        "detection results: edges, text clusters, campaigns, scores, evidence",
        """
        CREATE TABLE text_clusters (
            run_id INTEGER, cluster_id VARCHAR, platform VARCHAR, template VARCHAR, slots JSON,
            n_items BIGINT, n_accounts BIGINT, first_at TIMESTAMP, last_at TIMESTAMP, example_text VARCHAR
        );
        CREATE TABLE cluster_items (
            run_id INTEGER, cluster_id VARCHAR, platform VARCHAR, item_id VARCHAR, account_id VARCHAR,
            similarity DOUBLE
        );
        CREATE TABLE edges (
            run_id INTEGER, platform VARCHAR, account_a VARCHAR, account_b VARCHAR, layer VARCHAR,
            weight BIGINT, window_s DOUBLE, first_at TIMESTAMP, last_at TIMESTAMP,
            a_leads BIGINT, b_leads BIGINT, median_lag_s DOUBLE,
            expected DOUBLE, p_value DOUBLE, q_value DOUBLE, significant BOOLEAN, null_model VARCHAR,
            targets VARCHAR[], evidence_item_ids VARCHAR[]
        );
        CREATE TABLE campaigns (
            run_id INTEGER, campaign_id VARCHAR, platform VARCHAR, n_accounts BIGINT, n_items BIGINT,
            layers VARCHAR[], first_at TIMESTAMP, last_at TIMESTAMP, channels VARCHAR[], targets VARCHAR[],
            cluster_ids VARCHAR[], description VARCHAR
        );
        CREATE TABLE campaign_accounts (
            run_id INTEGER, campaign_id VARCHAR, platform VARCHAR, account_id VARCHAR
        );
        CREATE TABLE account_scores (
            run_id INTEGER, platform VARCHAR, account_id VARCHAR, score DOUBLE, flagged BOOLEAN,
            campaign_id VARCHAR, reasons VARCHAR[], features JSON
        );
        CREATE TABLE evidence (
            run_id INTEGER, evidence_id VARCHAR, platform VARCHAR, account_id VARCHAR, campaign_id VARCHAR,
            detector VARCHAR, description VARCHAR, item_ids VARCHAR[], weight DOUBLE
        );
        """,
    ),
    (
        3,
        "leads: groups and text clusters that almost made it, ranked, never flagged",
        """
        CREATE TABLE leads (
            run_id INTEGER, lead_id VARCHAR, kind VARCHAR, platform VARCHAR, rank INTEGER, score DOUBLE,
            max_account_score DOUBLE, n_accounts BIGINT, n_items BIGINT, first_at TIMESTAMP, last_at TIMESTAMP,
            account_ids VARCHAR[], cluster_ids VARCHAR[], layers VARCHAR[], channels VARCHAR[],
            n_significant_pairs BIGINT, min_q_value DOUBLE, item_ids VARCHAR[], description VARCHAR,
            reasons VARCHAR[]
        );
        """,
    ),
    (
        4,
        "models: scorers learned from labels, with their features, training data and validation",
        """
        CREATE TABLE models (
            name VARCHAR PRIMARY KEY, created_at TIMESTAMP, botwatch_version VARCHAR, sklearn_version VARCHAR,
            estimator VARCHAR, seed BIGINT, features JSON, params JSON, training JSON, validation JSON,
            blob BLOB, sha256 VARCHAR, signature VARCHAR
        );
        """,
    ),
    (
        5,
        "perceptual hashes of profile pictures, reference galleries and their matches (never the images)",
        """
        CREATE TABLE avatar_hashes (
            platform VARCHAR, account_id VARCHAR, origin VARCHAR, path VARCHAR, sha256 VARCHAR,
            size_bytes BIGINT, width INTEGER, height INTEGER, hash_kind VARCHAR, phash VARCHAR, mirror VARCHAR,
            windows VARCHAR[], status VARCHAR, reason VARCHAR, hashed_at TIMESTAMP
        );
        CREATE TABLE galleries (
            gallery VARCHAR, file_name VARCHAR, sha256 VARCHAR, width INTEGER, height INTEGER, hash_kind VARCHAR,
            phash VARCHAR, mirror VARCHAR, windows VARCHAR[], status VARCHAR, reason VARCHAR, added_at TIMESTAMP
        );
        CREATE TABLE gallery_matches (
            run_id INTEGER, platform VARCHAR, account_id VARCHAR, gallery VARCHAR, file_name VARCHAR,
            sha256 VARCHAR, distance INTEGER, how VARCHAR
        );
        """,
    ),
    (
        6,
        "per-account signals: one row per account and signal, with its value and test",
        """
        CREATE TABLE account_signals (
            run_id INTEGER, platform VARCHAR, account_id VARCHAR, signal VARCHAR, value DOUBLE,
            expected DOUBLE, p_value DOUBLE, q_value DOUBLE, significant BOOLEAN, group_id VARCHAR,
            description VARCHAR, item_ids VARCHAR[]
        );
        """,
    ),
    (
        7,
        "face encodings of reference-gallery photos (never the photos) and their matches with profile pictures",
        """
        CREATE TABLE gallery_faces (
            gallery VARCHAR, file_name VARCHAR, sha256 VARCHAR, face INTEGER, box INTEGER[], model VARCHAR,
            encoding DOUBLE[], added_at TIMESTAMP
        );
        CREATE TABLE face_matches (
            run_id INTEGER, platform VARCHAR, account_id VARCHAR, gallery VARCHAR, file_name VARCHAR,
            face INTEGER, distance DOUBLE, faces_in_picture INTEGER, max_distance DOUBLE
        );
        """,
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
