-- What the SIMRS pushes through the inbox stream besides date-keyed reports (those
-- live in daily_report). Each table keeps the newest payload and which payload the
-- upstream last accepted (sent_hash), so only the newest payload ever counts as sent.

-- SDM and APD needs, one row per (kind, id_kebutuhan). POST the first time, PUT after.
-- failed_hash is the payload RS Online refused for good: the producer stops offering
-- that payload until a corrected one arrives (a replayed dead letter still sends it).
CREATE TABLE kebutuhan (
    kind         VARCHAR(8)   NOT NULL COMMENT 'sdm or apd',
    id_kebutuhan VARCHAR(16)  NOT NULL,
    payload      TEXT         NOT NULL,
    payload_hash CHAR(64)     NOT NULL,
    updated_at   DATETIME(3)  NOT NULL,
    sent_hash    CHAR(64)     NULL,
    sent_at      DATETIME(3)  NULL,
    failed_hash  CHAR(64)     NULL,
    last_outcome VARCHAR(16)  NULL,
    last_message VARCHAR(1000) NULL,
    PRIMARY KEY (kind, id_kebutuhan)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Newborn screening (SHK) patients, keyed by the hospital's own reference for the
-- screening (ref; the baby's no_rkm_medis unless the SIMRS says otherwise). id is the
-- key jobs carry, so no patient identifier travels through Redis or the job log.
-- id_shk is RS Online's id, needed for every later PUT and for the results.
-- posting_since marks a POST whose answer (and so its id_shk) may have been lost.
CREATE TABLE shk_pasien (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    ref           VARCHAR(64)  NOT NULL,
    payload       TEXT         NOT NULL,
    payload_hash  CHAR(64)     NOT NULL,
    updated_at    DATETIME(3)  NOT NULL,
    id_shk        VARCHAR(32)  NULL,
    posting_since DATETIME(3)  NULL,
    sent_hash     CHAR(64)     NULL,
    sent_at       DATETIME(3)  NULL,
    failed_hash   CHAR(64)     NULL,
    last_outcome  VARCHAR(16)  NULL,
    last_message  VARCHAR(1000) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY shk_pasien_ref (ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- SHK results, one per (ref, jenis_pemeriksaan): a second result of the same examination
-- corrects the first (PUT with id_hasil). A result may arrive before its patient; it waits
-- (no foreign key) and is sent right after the patient. The payload has no id_shk: the
-- job adds the patient's id_shk when it sends.
CREATE TABLE shk_hasil (
    id                BIGINT       NOT NULL AUTO_INCREMENT,
    ref               VARCHAR(64)  NOT NULL,
    jenis_pemeriksaan VARCHAR(16)  NOT NULL,
    payload           TEXT         NOT NULL,
    payload_hash      CHAR(64)     NOT NULL,
    updated_at        DATETIME(3)  NOT NULL,
    id_hasil          VARCHAR(32)  NULL,
    posting_since     DATETIME(3)  NULL,
    sent_hash         CHAR(64)     NULL,
    sent_at           DATETIME(3)  NULL,
    failed_hash       CHAR(64)     NULL,
    last_outcome      VARCHAR(16)  NULL,
    last_message      VARCHAR(1000) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY shk_hasil_key (ref, jenis_pemeriksaan)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The newest inbox entry applied per subject (e.g. 'oksigen:2025-01-15', 'sdm:26').
-- Stream ids are stored zero-padded so that string order is stream order. An entry
-- reclaimed late from a dead consumer is older than what was applied since, and must
-- not overwrite it: the newest event wins, as upstream.
CREATE TABLE inbox_newest (
    subject    VARCHAR(120) NOT NULL,
    stream_id  VARCHAR(40)  NOT NULL,
    applied_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
