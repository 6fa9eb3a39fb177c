// Schema migrations of a node's SQLite file, applied in order; PRAGMA user_version records the last one applied.
export const migrations: readonly string[] = [
  // 1: append-only history of accepted lists, the head per country, equivocation proofs, operator drafts.
  `
  CREATE TABLE trust_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    root_thumbprint TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    jws TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (country, seq)
  ) STRICT;
  CREATE TRIGGER trust_lists_append_only_update BEFORE UPDATE ON trust_lists
    BEGIN SELECT RAISE(ABORT, 'trust_lists is append-only'); END;
  CREATE TRIGGER trust_lists_append_only_delete BEFORE DELETE ON trust_lists
    BEGIN SELECT RAISE(ABORT, 'trust_lists is append-only'); END;

  CREATE TABLE heads (
    country TEXT PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES trust_lists (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  -- Defence in depth against rollback: the head's seq may only rise, whatever the code above does.
  CREATE TRIGGER heads_seq_rises BEFORE UPDATE ON heads WHEN NEW.seq <= OLD.seq
    BEGIN SELECT RAISE(ABORT, 'head seq must increase'); END;

  CREATE TABLE equivocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash_a TEXT NOT NULL,
    hash_b TEXT NOT NULL,
    root_thumbprint TEXT NOT NULL,
    proof TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    UNIQUE (country, seq, hash_a, hash_b)
  ) STRICT;

  CREATE TABLE drafts (
    country TEXT PRIMARY KEY,
    draft TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  `,
  // 2: diplomats (src/store/diplomat-repository.ts): invites (secret hashed), passkey credentials, single-use
  // WebAuthn challenges, sessions (id hashed), recognition proposals and their approvals.
  `
  CREATE TABLE diplomat_invites (
    id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_at TEXT,
    credential_id TEXT
  ) STRICT;

  CREATE TABLE diplomat_credentials (
    credential_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    rp_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    user_id TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT
  ) STRICT;

  CREATE TABLE webauthn_challenges (
    challenge TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign-in', 'approve')),
    invite_id TEXT,
    credential_id TEXT,
    proposal_id INTEGER,
    nonce TEXT,
    expires_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE diplomat_sessions (
    id_sha256 TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES diplomat_credentials (credential_id),
    created_at TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE recognition_proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL CHECK (action IN ('recognize', 'withdraw')),
    country TEXT NOT NULL,
    entry TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'enacted', 'superseded')),
    closed_at TEXT
  ) STRICT;
  -- One open proposal per action and country: diplomats never split their approvals over two.
  CREATE UNIQUE INDEX recognition_proposals_one_open ON recognition_proposals (action, country) WHERE state = 'open';

  CREATE TABLE recognition_approvals (
    proposal_id INTEGER NOT NULL REFERENCES recognition_proposals (id),
    credential_id TEXT NOT NULL,
    nonce TEXT NOT NULL UNIQUE,
    approval TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, credential_id)
  ) STRICT;
  `,
  // 3: certificate revocation lists (src/store/revocation-repository.ts): append-only history like trust_lists, the
  // head per country (seq only rises), and the operator's pending revocations of this country.
  `
  CREATE TABLE revocation_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    root_thumbprint TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    jws TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (country, seq)
  ) STRICT;
  CREATE TRIGGER revocation_lists_append_only_update BEFORE UPDATE ON revocation_lists
    BEGIN SELECT RAISE(ABORT, 'revocation_lists is append-only'); END;
  CREATE TRIGGER revocation_lists_append_only_delete BEFORE DELETE ON revocation_lists
    BEGIN SELECT RAISE(ABORT, 'revocation_lists is append-only'); END;

  CREATE TABLE revocation_heads (
    country TEXT PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES revocation_lists (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER revocation_heads_seq_rises BEFORE UPDATE ON revocation_heads WHEN NEW.seq <= OLD.seq
    BEGIN SELECT RAISE(ABORT, 'revocation head seq must increase'); END;

  CREATE TABLE revocation_drafts (
    country TEXT PRIMARY KEY,
    draft TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  `,
  // 4: admission (src/store/admission-repository.ts): roots the operator pinned per country, a small bounded
  // quarantine of lists under unanchored roots, and the one controlled way to delete from the append-only tables:
  // a purge (unpin, history caps) inserts a permit row, deletes and removes the permit inside one transaction, so
  // no permit ever outlives the transaction that needed it.
  `
  CREATE TABLE root_pins (
    country TEXT PRIMARY KEY,
    root_thumbprint TEXT NOT NULL,
    pinned_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    peer TEXT NOT NULL,
    country TEXT NOT NULL,
    seq INTEGER NOT NULL,
    root_thumbprint TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    jws TEXT NOT NULL
  ) STRICT;
  CREATE INDEX quarantine_peer ON quarantine (peer, id);

  CREATE TABLE purge_permit (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    reason TEXT NOT NULL
  ) STRICT;
  -- Every purge leaves a line: caches keyed on change ids (the bundle) also key on the last purge.
  CREATE TABLE purges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reason TEXT NOT NULL,
    purged_at TEXT NOT NULL
  ) STRICT;

  DROP TRIGGER trust_lists_append_only_delete;
  CREATE TRIGGER trust_lists_append_only_delete BEFORE DELETE ON trust_lists
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'trust_lists is append-only'); END;
  DROP TRIGGER revocation_lists_append_only_delete;
  CREATE TRIGGER revocation_lists_append_only_delete BEFORE DELETE ON revocation_lists
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'revocation_lists is append-only'); END;
  CREATE TRIGGER equivocations_append_only_delete BEFORE DELETE ON equivocations
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'equivocations is append-only'); END;
  `,
  // 5: proposals bind a chain position (the country's head when proposed) and may govern the diplomat set itself.
  // SQLite cannot widen a CHECK in place: both tables are rebuilt; open proposals made without a position cannot
  // gather evidence any verifier would accept, so they are closed as superseded.
  `
  CREATE TABLE proposals_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL CHECK (action IN ('recognize', 'withdraw', 'govern')),
    country TEXT NOT NULL,
    entry TEXT NOT NULL,
    head_seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'enacted', 'superseded')),
    closed_at TEXT
  ) STRICT;
  INSERT INTO proposals_next (id, action, country, entry, head_seq, head_hash, proposed_by, created_at, state, closed_at)
    SELECT id, action, country, entry, 0, '', proposed_by, created_at,
      CASE state WHEN 'open' THEN 'superseded' ELSE state END,
      CASE state WHEN 'open' THEN created_at ELSE closed_at END
    FROM recognition_proposals;
  CREATE TABLE approvals_next (
    proposal_id INTEGER NOT NULL REFERENCES proposals_next (id),
    credential_id TEXT NOT NULL,
    nonce TEXT NOT NULL UNIQUE,
    approval TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, credential_id)
  ) STRICT;
  INSERT INTO approvals_next SELECT proposal_id, credential_id, nonce, approval, approved_at FROM recognition_approvals;
  DROP TABLE recognition_approvals;
  DROP TABLE recognition_proposals;
  ALTER TABLE proposals_next RENAME TO recognition_proposals;
  ALTER TABLE approvals_next RENAME TO recognition_approvals;
  CREATE UNIQUE INDEX recognition_proposals_one_open ON recognition_proposals (action, country) WHERE state = 'open';
  `,
  // 6: what routes show or scan of each stored trust list (history pages, bundle deltas, governance resets), written
  // when the list is accepted, so they never parse a stored JWS. A table of its own: columns appended to trust_lists
  // would sit behind the large jws column, and SQLite reads every overflow page of a row to reach them. Lists stored
  // before this migration are summarized when the store opens (SqliteStore). Removed with their list (purges).
  `
  CREATE TABLE trust_list_summaries (
    list_id INTEGER PRIMARY KEY REFERENCES trust_lists (id) ON DELETE CASCADE,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    handover INTEGER NOT NULL CHECK (handover IN (0, 1)),
    changes TEXT NOT NULL,
    signers INTEGER NOT NULL,
    recognitions INTEGER NOT NULL,
    revocation_seq INTEGER,
    revocation_hash TEXT,
    last_handover_seq INTEGER,
    governance_reset INTEGER NOT NULL CHECK (governance_reset IN (0, 1))
  ) STRICT;
  CREATE TRIGGER trust_list_summaries_append_only_update BEFORE UPDATE ON trust_list_summaries
    BEGIN SELECT RAISE(ABORT, 'trust_list_summaries is append-only'); END;
  CREATE TRIGGER trust_list_summaries_append_only_delete BEFORE DELETE ON trust_list_summaries
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'trust_list_summaries is append-only'); END;
  `,
  // 7: partitioned certificate revocations (src/store/revocation-repository.ts): indexes chained and append-only like
  // revocation_lists; partitions content-addressed by hash and append-only; this country's published entries keyed
  // (country, group, key) so one partition's entries are one range read; the operator's queue of entries to publish.
  `
  CREATE TABLE revocation_indexes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    root_thumbprint TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    jws TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (country, seq)
  ) STRICT;
  CREATE TRIGGER revocation_indexes_append_only_update BEFORE UPDATE ON revocation_indexes
    BEGIN SELECT RAISE(ABORT, 'revocation_indexes is append-only'); END;
  CREATE TRIGGER revocation_indexes_append_only_delete BEFORE DELETE ON revocation_indexes
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'revocation_indexes is append-only'); END;

  CREATE TABLE revocation_index_heads (
    country TEXT PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES revocation_indexes (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER revocation_index_heads_seq_rises BEFORE UPDATE ON revocation_index_heads WHEN NEW.seq <= OLD.seq
    BEGIN SELECT RAISE(ABORT, 'revocation index head seq must increase'); END;

  CREATE TABLE revocation_partitions (
    hash TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    partition_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    jws TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX revocation_partitions_by_id ON revocation_partitions (country, partition_id, seq);
  CREATE TRIGGER revocation_partitions_append_only_update BEFORE UPDATE ON revocation_partitions
    BEGIN SELECT RAISE(ABORT, 'revocation_partitions is append-only'); END;
  CREATE TRIGGER revocation_partitions_append_only_delete BEFORE DELETE ON revocation_partitions
    WHEN NOT EXISTS (SELECT 1 FROM purge_permit)
    BEGIN SELECT RAISE(ABORT, 'revocation_partitions is append-only'); END;

  CREATE TABLE revocation_entries (
    country TEXT NOT NULL,
    grp TEXT NOT NULL,
    key BLOB NOT NULL,
    entry TEXT,
    PRIMARY KEY (country, grp, key)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE revocation_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    country TEXT NOT NULL,
    grp TEXT NOT NULL,
    key BLOB NOT NULL,
    entry TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    UNIQUE (country, grp, key)
  ) STRICT;
  `,
  // 8: counts of queued and published revocation entries per country, kept by triggers, so a cap check or a queue
  // summary never counts millions of rows.
  `
  CREATE TABLE revocation_counts (
    country TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('queued', 'published')),
    n INTEGER NOT NULL,
    PRIMARY KEY (country, kind)
  ) STRICT;
  INSERT INTO revocation_counts (country, kind, n) SELECT country, 'queued', COUNT(*) FROM revocation_queue GROUP BY country;
  INSERT INTO revocation_counts (country, kind, n) SELECT country, 'published', COUNT(*) FROM revocation_entries GROUP BY country;
  CREATE TRIGGER revocation_queue_counted_insert AFTER INSERT ON revocation_queue BEGIN
    INSERT INTO revocation_counts (country, kind, n) VALUES (NEW.country, 'queued', 1) ON CONFLICT (country, kind) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER revocation_queue_counted_delete AFTER DELETE ON revocation_queue BEGIN
    UPDATE revocation_counts SET n = n - 1 WHERE country = OLD.country AND kind = 'queued';
  END;
  CREATE TRIGGER revocation_entries_counted_insert AFTER INSERT ON revocation_entries BEGIN
    INSERT INTO revocation_counts (country, kind, n) VALUES (NEW.country, 'published', 1) ON CONFLICT (country, kind) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER revocation_entries_counted_delete AFTER DELETE ON revocation_entries BEGIN
    UPDATE revocation_counts SET n = n - 1 WHERE country = OLD.country AND kind = 'published';
  END;
  `,
]
