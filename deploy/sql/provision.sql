-- simrs-bridge: the state database and the three accounts, each with exactly its grants.
--
-- A template: render it with deploy/provision.sh (it fills the @NAME@ placeholders and
-- quotes the passwords), then run it as a MariaDB administrator:
--
--   READER_PASSWORD=... WRITER_PASSWORD=... OWNER_PASSWORD=... \
--     KHANZA_DB=sik STATE_DB=simrs_bridge CLIENT_HOST=127.0.0.1 \
--     bash deploy/provision.sh | mariadb -u root
--
-- Safe to run again (CREATE ... IF NOT EXISTS; grants only add). A password given again is
-- set again (ALTER USER), which is how to rotate one.
--
-- The accounts:
--   simrs_bridge_ro    reads Khanza for the producers and workers: SELECT on the tables the
--                      named queries read (core/khanza/queries.py) and the bed tables;
--                      nothing else. SIMRS_BRIDGE_KHANZA_DB_URL uses it.
--   simrs_bridge_wsrs  the web service Mobile JKN calls (wsrs/): writes bookings,
--                      registrations, cancellations and new patients into Khanza; only
--                      those tables, plus SELECT on what it reads.
--   simrs_bridge       owns the state database (ledger, audit, reports, dead letters) and
--                      nothing in Khanza. SIMRS_BRIDGE_STATE_DB_URL uses it.

CREATE DATABASE IF NOT EXISTS `@STATE_DB@` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE USER IF NOT EXISTS 'simrs_bridge_ro'@'@CLIENT_HOST@' IDENTIFIED BY @READER_PASSWORD@;
CREATE USER IF NOT EXISTS 'simrs_bridge_wsrs'@'@CLIENT_HOST@' IDENTIFIED BY @WRITER_PASSWORD@;
CREATE USER IF NOT EXISTS 'simrs_bridge'@'@CLIENT_HOST@' IDENTIFIED BY @OWNER_PASSWORD@;
ALTER USER 'simrs_bridge_ro'@'@CLIENT_HOST@' IDENTIFIED BY @READER_PASSWORD@;
ALTER USER 'simrs_bridge_wsrs'@'@CLIENT_HOST@' IDENTIFIED BY @WRITER_PASSWORD@;
ALTER USER 'simrs_bridge'@'@CLIENT_HOST@' IDENTIFIED BY @OWNER_PASSWORD@;

-- The state database's owner: everything there (migrations create and alter tables).
GRANT ALL PRIVILEGES ON `@STATE_DB@`.* TO 'simrs_bridge'@'@CLIENT_HOST@';

-- Khanza, read only: one line per table the producers and workers read.
GRANT SELECT ON `@KHANZA_DB@`.`reg_periksa` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs_batal` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs_taskid` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`pasien` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`dokter` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`jadwal` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`maping_poli_bpjs` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`maping_dokter_dpjpvclaim` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`mutasi_berkas` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`pemeriksaan_ralan` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`resep_obat` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`kamar` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`bangsal` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
-- The visit's SEP, for the antrean/add of on-site JKN visits (docs/readback.md).
GRANT SELECT ON `@KHANZA_DB@`.`bridging_sep` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
-- Optional in Khanza (older installs lack it): granted only where the table exists.
SET @grant_sql = IF((SELECT COUNT(*) FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = '@KHANZA_DB@' AND TABLE_NAME = 'resep_dokter_racikan') > 0,
    'GRANT SELECT ON `@KHANZA_DB@`.`resep_dokter_racikan` TO ''simrs_bridge_ro''@''@CLIENT_HOST@''',
    'DO 0');
PREPARE grant_stmt FROM @grant_sql;
EXECUTE grant_stmt;
DEALLOCATE PREPARE grant_stmt;
-- SIMRS_BRIDGE_KHANZA_WRITEBACK=true only (off by default): the "sent" marks.
-- GRANT UPDATE (statuskirim) ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';
-- GRANT INSERT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs_taskid` TO 'simrs_bridge_ro'@'@CLIENT_HOST@';

-- Khanza, the web service's writes (reference wsrs.md: ambil antrean, batal, check-in,
-- pasien baru) and what it reads to answer (schedules, mappings, doctors, clinics).
GRANT SELECT, INSERT, UPDATE ON `@KHANZA_DB@`.`reg_periksa` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT, UPDATE ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs_batal` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`referensi_mobilejkn_bpjs_taskid` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT, UPDATE ON `@KHANZA_DB@`.`pasien` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
-- SELECT ... FOR UPDATE on the schedule row serialises queue numbers (docs/wsrs.md).
GRANT SELECT, UPDATE ON `@KHANZA_DB@`.`jadwal` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`dokter` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`poliklinik` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`penjab` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`maping_poli_bpjs` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`maping_dokter_dpjpvclaim` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
-- The pharmacy and surgery endpoints read these.
GRANT SELECT ON `@KHANZA_DB@`.`resep_obat` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`booking_operasi` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT ON `@KHANZA_DB@`.`paket_operasi` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
-- A new patient's address codes, added when Mobile JKN sends one Khanza lacks.
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`kelurahan` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`kecamatan` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`kabupaten` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
GRANT SELECT, INSERT ON `@KHANZA_DB@`.`propinsi` TO 'simrs_bridge_wsrs'@'@CLIENT_HOST@';
-- The medical-record number counters (new patients); present in Khanza's schema.
SET @grant_sql = IF((SELECT COUNT(*) FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = '@KHANZA_DB@' AND TABLE_NAME = 'set_no_rkm_medis') > 0,
    'GRANT SELECT, INSERT, UPDATE, DELETE ON `@KHANZA_DB@`.`set_no_rkm_medis` TO ''simrs_bridge_wsrs''@''@CLIENT_HOST@''',
    'DO 0');
PREPARE grant_stmt FROM @grant_sql;
EXECUTE grant_stmt;
DEALLOCATE PREPARE grant_stmt;
SET @grant_sql = IF((SELECT COUNT(*) FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = '@KHANZA_DB@' AND TABLE_NAME = 'set_urut_no_rkm_medis') > 0,
    'GRANT SELECT, UPDATE ON `@KHANZA_DB@`.`set_urut_no_rkm_medis` TO ''simrs_bridge_wsrs''@''@CLIENT_HOST@''',
    'DO 0');
PREPARE grant_stmt FROM @grant_sql;
EXECUTE grant_stmt;
DEALLOCATE PREPARE grant_stmt;
