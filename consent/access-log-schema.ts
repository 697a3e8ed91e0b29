import { appendOnlyTriggers } from '../lib/append-only';

/**
 * The access log's tables (consent/access-log.ts), run by AccessLog.migrate under its migration
 * lock: every statement is safe to run again, and brings a table of an earlier version up to date.
 */
export const ACCESS_LOG_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS access_log_chains (
     chain      text PRIMARY KEY,
     format     text NOT NULL CONSTRAINT access_log_chains_format_check CHECK (format IN ('v1', 'v2', 'v3', 'v4')),
     started_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS access_log (
     chain      text NOT NULL,
     seq        bigint NOT NULL CHECK (seq > 0),
     at         timestamptz NOT NULL,
     nam        text NOT NULL,
     provider_id text NOT NULL,
     role       text NOT NULL,
     facility   text,
     domains    text[] NOT NULL,
     outcome    text NOT NULL CHECK (outcome IN ('GRANTED', 'DENIED')),
     prev_hash  text NOT NULL,
     hash       text NOT NULL,
     PRIMARY KEY (chain, seq)
   )`,
  // A log from before chains per writer (one chain, seq as key) becomes the chain "legacy" (format v1).
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'access_log' AND column_name = 'chain') THEN
       ALTER TABLE access_log ADD COLUMN chain text NOT NULL DEFAULT 'legacy';
       ALTER TABLE access_log DROP CONSTRAINT access_log_pkey;
       ALTER TABLE access_log ADD PRIMARY KEY (chain, seq);
       ALTER TABLE access_log ALTER COLUMN chain DROP DEFAULT;
       INSERT INTO access_log_chains (chain, format) VALUES ('legacy', 'v1');
     END IF;
   END $$`,
  // v3 (issue #8 §5): tables of earlier versions have a CHECK allowing v1 and v2 only; replaced once.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'access_log_chains'::regclass
                    AND conname = 'access_log_chains_format_check' AND pg_get_constraintdef(oid) LIKE '%v3%') THEN
       ALTER TABLE access_log_chains DROP CONSTRAINT IF EXISTS access_log_chains_format_check;
       ALTER TABLE access_log_chains ADD CONSTRAINT access_log_chains_format_check CHECK (format IN ('v1', 'v2', 'v3'));
     END IF;
   END $$`,
  // v4 (issue #10 §6): the same, once, for tables whose CHECK stops at v3.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'access_log_chains'::regclass
                    AND conname = 'access_log_chains_format_check' AND pg_get_constraintdef(oid) LIKE '%v4%') THEN
       ALTER TABLE access_log_chains DROP CONSTRAINT IF EXISTS access_log_chains_format_check;
       ALTER TABLE access_log_chains ADD CONSTRAINT access_log_chains_format_check CHECK (format IN ('v1', 'v2', 'v3', 'v4'));
     END IF;
   END $$`,
  // The request id of v4 entries (ops/request-id.ts); null in every earlier entry, and in entries appended outside a request.
  `ALTER TABLE access_log ADD COLUMN IF NOT EXISTS request_id text`,
  // Readings of the log are entries too (issue #8 §5); every earlier entry is a consultation.
  `ALTER TABLE access_log ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'RECORD' CHECK (kind IN ('RECORD', 'ACCESS_LOG'))`,
  // Readings of the refusal register are entries too (issue #11): the kind CHECK of earlier tables is replaced once.
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'access_log'::regclass
                    AND conname = 'access_log_kind_check' AND pg_get_constraintdef(oid) LIKE '%CONSENT_REGISTER%') THEN
       ALTER TABLE access_log DROP CONSTRAINT IF EXISTS access_log_kind_check;
       ALTER TABLE access_log ADD CONSTRAINT access_log_kind_check CHECK (kind IN ('RECORD', 'ACCESS_LOG', 'CONSENT_REGISTER'));
     END IF;
   END $$`,
  // A person's own log (accessLog(nam, since)).
  `CREATE INDEX IF NOT EXISTS access_log_person ON access_log (nam, at)`,
  // "Did this provider consult this record before the refusal?" looks at granted entries only.
  `CREATE INDEX IF NOT EXISTS access_log_granted ON access_log (provider_id, nam, at) WHERE outcome = 'GRANTED'`,
  ...appendOnlyTriggers('access_log'),
  ...appendOnlyTriggers('access_log_chains'),
];
