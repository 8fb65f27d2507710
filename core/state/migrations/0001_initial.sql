-- The daemon's own state. Kept apart from Khanza (which we only read) so that the
-- ledger survives Khanza upgrades and can live on another server.

-- What each upstream acknowledged (or refused) per booking and step. A step is
-- 'add', 'batal', 'farmasi', 'antrian' or 'task<n>'. The producer compares the
-- Khanza rows with this table to find work that is "desired but not acknowledged".
CREATE TABLE ledger (
    upstream     VARCHAR(8)   NOT NULL,
    kodebooking  VARCHAR(40)  NOT NULL,
    step         VARCHAR(16)  NOT NULL,
    taskid       SMALLINT     NULL,
    waktu        BIGINT       NULL COMMENT 'epoch ms sent for a task',
    payload_hash CHAR(16)     NULL COMMENT 'digest of the body last sent, to skip unchanged refusals',
    outcome      VARCHAR(16)  NOT NULL,
    code         VARCHAR(16)  NULL,
    message      VARCHAR(1000) NULL,
    attempts     INT          NOT NULL DEFAULT 0,
    first_try    DATETIME(3)  NOT NULL,
    last_try     DATETIME(3)  NOT NULL,
    done_at      DATETIME(3)  NULL COMMENT 'set once the upstream accepted (done/already_done)',
    PRIMARY KEY (upstream, kodebooking, step),
    KEY ledger_last_try (last_try),
    KEY ledger_outcome (outcome, last_try)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Every upstream call: what was asked, what came back, how long it took. Bodies
-- are stored with secrets removed and patient identifiers masked.
CREATE TABLE audit (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    at            DATETIME(3)  NOT NULL,
    upstream      VARCHAR(8)   NOT NULL,
    method        VARCHAR(8)   NOT NULL,
    path          VARCHAR(300) NOT NULL,
    http_status   SMALLINT     NULL,
    code          VARCHAR(16)  NULL,
    outcome       VARCHAR(16)  NOT NULL,
    duration_ms   INT          NOT NULL,
    job_id        VARCHAR(160) NULL,
    message       VARCHAR(1000) NULL,
    request_body  MEDIUMTEXT   NULL,
    response_body MEDIUMTEXT   NULL,
    PRIMARY KEY (id),
    KEY audit_at (at),
    KEY audit_job (job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Date-keyed reports the hospital wants upstream (from the inbox). Upsert by
-- (kind, tanggal): the newest payload for a date wins. sent_hash says which
-- payload the upstream last accepted, so a changed payload is sent again.
CREATE TABLE daily_report (
    kind         VARCHAR(32)  NOT NULL,
    tanggal      DATE         NOT NULL,
    payload      MEDIUMTEXT   NOT NULL,
    payload_hash CHAR(64)     NOT NULL,
    updated_at   DATETIME(3)  NOT NULL,
    sent_hash    CHAR(64)     NULL,
    failed_hash  CHAR(64)     NULL COMMENT 'payload refused for good, not offered again unchanged',
    sent_at      DATETIME(3)  NULL,
    last_outcome VARCHAR(16)  NULL,
    last_message VARCHAR(1000) NULL,
    PRIMARY KEY (kind, tanggal),
    KEY daily_report_pending (kind, sent_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- RS Online's id for each bed group (id_tt + ruang). Never PUT without it.
CREATE TABLE bed_idtt (
    id_tt       VARCHAR(16)  NOT NULL,
    ruang       VARCHAR(100) NOT NULL,
    id_t_tt     VARCHAR(32)  NOT NULL,
    updated_at  DATETIME(3)  NOT NULL,
    PRIMARY KEY (id_tt, ruang)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Work that failed for good, with the upstream's own words, replayable.
CREATE TABLE dead_letter (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    job_id      VARCHAR(160) NOT NULL,
    function    VARCHAR(64)  NOT NULL,
    args        TEXT         NOT NULL COMMENT 'JSON keys of the job, never values or secrets',
    upstream    VARCHAR(8)   NULL,
    outcome     VARCHAR(16)  NOT NULL,
    code        VARCHAR(16)  NULL,
    message     VARCHAR(1000) NOT NULL,
    attempts    INT          NOT NULL,
    failed_at   DATETIME(3)  NOT NULL,
    replayed_at DATETIME(3)  NULL,
    PRIMARY KEY (id),
    KEY dead_letter_open (replayed_at, failed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
