-- Which RS Online bed group (id_tt + ruang) each Khanza ward class reports into.
-- Loaded from a CSV by `simrs-bridge beds mapping load` (all rows replaced in one
-- transaction); several (kd_bangsal, kelas) may share one group, whose counts are
-- then summed. Khanza's kamar.kelas may be NULL; it is stored here as ''.
CREATE TABLE bed_mapping (
    kd_bangsal  VARCHAR(5)   NOT NULL,
    kelas       VARCHAR(20)  NOT NULL,
    id_tt       VARCHAR(16)  NOT NULL,
    ruang       VARCHAR(100) NOT NULL,
    covid       TINYINT      NOT NULL DEFAULT 0,
    loaded_at   DATETIME(3)  NOT NULL,
    PRIMARY KEY (kd_bangsal, kelas),
    KEY bed_mapping_group (id_tt, ruang)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
