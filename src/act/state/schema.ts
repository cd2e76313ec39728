/**
 * The watcher's state, one SQLite file: what it read (checkpoints), what it
 * is counting (strikes), what it decided (bans, history) and what its actions
 * still owe (tasks). Times are epoch milliseconds.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Where each live source stands (JSON of its checkpoint).
CREATE TABLE IF NOT EXISTS checkpoints (
  source TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  updated INTEGER NOT NULL
);
-- Events still inside a rule's window, so a restart keeps counting slow attacks.
CREATE TABLE IF NOT EXISTS strikes (
  address TEXT NOT NULL,
  rule TEXT NOT NULL,
  ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS strikes_by_address ON strikes (address, rule, ts);
CREATE INDEX IF NOT EXISTS strikes_by_time ON strikes (rule, ts);
-- Addresses that logged in successfully: never banned.
CREATE TABLE IF NOT EXISTS logins (
  address TEXT PRIMARY KEY,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bans (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('watch', 'subnet', 'manual')),
  rule TEXT,
  reason TEXT NOT NULL,
  level INTEGER NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  lifted INTEGER,
  lift_reason TEXT
);
CREATE INDEX IF NOT EXISTS bans_active ON bans (lifted, expires);
CREATE INDEX IF NOT EXISTS bans_by_target ON bans (target, created);
-- What each action must still do for a ban: apply it, then lift it.
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY,
  ban_id INTEGER NOT NULL REFERENCES bans (id),
  action TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('ban', 'unban')),
  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_try INTEGER NOT NULL,
  last_error TEXT,
  done_at INTEGER,
  UNIQUE (ban_id, action, op)
);
CREATE INDEX IF NOT EXISTS tasks_pending ON tasks (state, next_try);
-- Every decision, for the history and the audit report.
CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  target TEXT,
  ban_id INTEGER,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_time ON decisions (ts);
-- The running watcher, so that 'mailwarden bans' knows whether to act itself.
CREATE TABLE IF NOT EXISTS watcher (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started INTEGER NOT NULL,
  heartbeat INTEGER NOT NULL
);
`;
