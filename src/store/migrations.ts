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
]
