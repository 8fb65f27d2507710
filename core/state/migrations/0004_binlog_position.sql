-- Where the producer's change feed (SIMRS_BRIDGE_CHANGES=binlog) has read Khanza's
-- binary log up to: MariaDB's GTID state (domain-server-sequence per domain, as a
-- replica's gtid_slave_pos), saved only after a producer cycle that started after
-- those changes arrived has finished, so a restart resumes without losing a change.
-- log_file/log_pos are the same place as a file coordinate, for people reading it.
CREATE TABLE binlog_position (
    source      VARCHAR(100) NOT NULL PRIMARY KEY,
    gtid        VARCHAR(1000) NOT NULL,
    log_file    VARCHAR(255) NULL,
    log_pos     BIGINT UNSIGNED NULL,
    saved_at    DATETIME(3)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
