-- Read-back reconcile (issue 12): what BPJS really holds, not only what it answered.
-- Per step, the BPJS server time of the task as read back (getlisttask "wakturs") and
-- when the read-back confirmed it. A confirmed step is never read again.
ALTER TABLE ledger
    ADD COLUMN wakturs      VARCHAR(40) NULL COMMENT 'BPJS receive time as read back',
    ADD COLUMN confirmed_at DATETIME(3) NULL COMMENT 'set once a read-back found the step held';

-- The outcome of the last read-back of each booking: confirmed, incomplete (with the
-- reason), contradiction (BPJS holds something Khanza contradicts; never changed by us)
-- or not_in_khanza (BPJS holds a booking Khanza lacks). Read by the quality view.
CREATE TABLE readback (
    upstream     VARCHAR(8)    NOT NULL,
    kodebooking  VARCHAR(40)   NOT NULL,
    tanggal      DATE          NOT NULL,
    kodepoli     VARCHAR(16)   NULL,
    state        VARCHAR(16)   NOT NULL,
    reason       VARCHAR(1000) NULL,
    complete     TINYINT       NOT NULL DEFAULT 0,
    checked_at   DATETIME(3)   NOT NULL,
    confirmed_at DATETIME(3)   NULL,
    PRIMARY KEY (upstream, kodebooking),
    KEY readback_day (upstream, tanggal)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Dead letters that say what to do (issue 12): the step and payload digest refused (so
-- replaying an unchanged payload refused for a data error needs --force), and the visit
-- (no_rawat, poli, doctor, date, masked patient) as JSON.
ALTER TABLE dead_letter
    ADD COLUMN step         VARCHAR(16)   NULL,
    ADD COLUMN payload_hash CHAR(16)      NULL,
    ADD COLUMN visit        VARCHAR(1000) NULL;
