-- =============================================================================
-- simrs-bridge sandbox: one FAKE hospital day in SIMRS Khanza (load after schema.sql)
--
-- Everything is invented: NIKs and BPJS card numbers are 000..., phones
-- 0800000000xx, names "CONTOH ...". Poli/doctor BPJS codes and the Aplicares /
-- SIRANAP mappings are placeholders, not real codes.
--
-- Scenario: Wednesday 2025-01-15 (jadwal.hari_kerja 'RABU'), wall-clock WIB (+07:00).
--   Polyclinics INT (Penyakit Dalam; dr D001 = BPJS 99901, 08:00-12:00, kuota 30)
--               ANA (Anak;           dr D002 = BPJS 99902, 09:00-13:00, kuota 20)
--   Patients    000001, 000002 BPJS (kd_pj 'BPJ'); 000003 UMUM (kd_pj 'A09')
--   2025/01/15/000001 INT 000001  booking 20250115000001, checked in 07:40; file sent
--                     07:50, received 08:05, returned 08:25; SOAP 08:10; prescription
--                     written 08:20, validated 08:40, handed over 08:55; stts 'Sudah';
--                     tasks 3,4,5,6,7 already in the task ledger (= sent).
--   2025/01/15/000002 INT 000002  booking 20250115000002, checked in 07:55; file sent
--                     08:00, received 08:30; SOAP 08:35; prescription written 08:50,
--                     NOT validated (tgl_perawatan '0000-00-00'); stts 'Belum';
--                     only task 3 in the ledger.
--   2025/01/15/000003 ANA 000001  booking 20250115000003, not checked in (status 'Belum',
--                     validasi zero), statuskirim 'Belum'; jam_reg 09:00.
--   2025/01/15/000004 ANA 000002  booking 20250115000004, cancelled in Mobile JKN at
--                     08:15 (booking 'Batal', stts 'Batal', batal row statuskirim 'Belum').
--   2025/01/15/000005 INT 000003  walk-in UMUM patient (no booking = on-site), registered
--                     08:10, file sent 08:15, received 08:20, SOAP 08:45, admitted
--                     (stts 'Dirawat', status_lanjut 'Ranap') to bed MLT.01 at 10:30.
--   2025/01/08/000001 INT 000002  the visit a week earlier (outside the window): referral
--                     from another hospital (SEP V000001), surat kontrol K000002 for today,
--                     prescription 202501080001 with the only racikan.
--   SEPs        V000001 (2025/01/08/000001, from another hospital), V000002 (000001, from
--               a clinic/FKTP), V000003 (000002, kontrol, noskdp K000002); none for
--               000003, 000004, 000005. Today's prescriptions have resep_dokter lines only.
--   Also        setting (PPK 0000R001), password_asuransi (BPJ), MR numbering (last
--               000003), two operations booked in OK1 (booking_operasi).
--   Wards       MWR Kelas 1: MWR.01 KOSONG, MWR.02 KOSONG
--               MLT Kelas 3: MLT.01 ISI (the walk-in), MLT.02 KOSONG, MLT.03 DIBERSIHKAN
--               ICU Kelas Utama: ICU.01 KOSONG, ICU.02 PERBAIKAN      (7 beds, all statusdata '1')
--
-- Pending work this data implies (task sources as in Khanza's newer sender,
-- reference bpjs-antrean.md section 6; times are WIB wall clock):
--   * antrean/add   20250115000003 (JKN, jeniskunjungan 2, ANA-001); no task events yet.
--   * updatewaktu   20250115000002 (2025/01/15/000002): task 4 = 08:30:00, task 5 = 08:35:00.
--                   Not task 6/7: the prescription is not validated / not handed over.
--   * farmasi/add   20250115000002: resep 202501150002, Non Racikan, nomorantrean 2
--                   (Khanza itself keeps no record of farmasi/add, so none is stored).
--   * antrean/batal 20250115000004, then task 99 with waktu = tanggalbatal 08:15:00.
--   * on-site       2025/01/15/000005 (NON JKN, kodebooking = no_rawat): antrean/add with
--                   nomorantrean 003, estimasi 08:00 + 3 x 5 min = 08:15 (1736903700000),
--                   kuota 30; then task 3 = 08:15:00, task 4 = 08:20:00, task 5 = 08:45:00.
--   * nothing for   20250115000001: tasks 3-7 in the ledger equal their source times.
--   * beds (kamar, per kd_bangsal + kelas; capacity = statusdata '1'):
--       MWR Kelas 1      capacity 2, occupied 0, free 2
--       MLT Kelas 3      capacity 3, occupied 1, free 1, being cleaned 1
--       ICU Kelas Utama  capacity 2, occupied 0, free 1, under repair 1
-- =============================================================================

SET @OLD_CHARACTER_SET_CLIENT = @@character_set_client;
SET NAMES utf8mb4;
SET @OLD_SQL_MODE = @@SQL_MODE, SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO';
SET @OLD_FOREIGN_KEY_CHECKS = @@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS = 1;

-- ------------------------------------------------------------------ lookups

INSERT INTO `propinsi` (`kd_prop`, `nm_prop`) VALUES (1, '-'), (2, 'PROPINSI CONTOH');
INSERT INTO `kabupaten` (`kd_kab`, `nm_kab`) VALUES (1, '-'), (2, 'KABUPATEN CONTOH');
INSERT INTO `kecamatan` (`kd_kec`, `nm_kec`) VALUES (1, '-'), (2, 'KECAMATAN CONTOH');
INSERT INTO `kelurahan` (`kd_kel`, `nm_kel`) VALUES (1, '-'), (2, 'KELURAHAN CONTOH');
INSERT INTO `suku_bangsa` (`id`, `nama_suku_bangsa`) VALUES (1, '-');
INSERT INTO `bahasa_pasien` (`id`, `nama_bahasa`) VALUES (1, '-');

INSERT INTO `penjab` (`kd_pj`, `png_jawab`, `nama_perusahaan`, `alamat_asuransi`, `no_telp`, `attn`, `status`) VALUES
  ('-',   '-',    '-',              '-', '-', '-', '1'),
  ('A09', 'UMUM', '-',              '-', '-', '-', '1'),
  ('BPJ', 'BPJS', 'BPJS KESEHATAN', '-', '-', '-', '1');

INSERT INTO `bank` (`namabank`) VALUES ('-');
INSERT INTO `emergency_index` (`kode_emergency`, `nama_emergency`, `indek`) VALUES ('-', '-', 0);
INSERT INTO `jnj_jabatan` (`kode`, `nama`, `tnj`, `indek`) VALUES ('-', '-', 0, 0);
INSERT INTO `kelompok_jabatan` (`kode_kelompok`, `nama_kelompok`, `indek`) VALUES ('-', '-', 0);
INSERT INTO `resiko_kerja` (`kode_resiko`, `nama_resiko`, `indek`) VALUES ('-', '-', 0);
INSERT INTO `stts_kerja` (`stts`, `ktg`, `indek`, `hakcuti`) VALUES ('-', '-', 0, 0);
INSERT INTO `stts_wp` (`stts`, `ktg`) VALUES ('-', '-');

-- ------------------------- hospital identity, WS RS account, MR numbering
-- kode_ppk is the hospital's BPJS PPK code, the kdppkpelayanan of its SEPs. The WS RS
-- reads password_asuransi's first row: kd_pj is the payer of the registrations it
-- creates, aes_decrypt(usere,'nur') / aes_decrypt(passworde,'windi') the x-username /
-- x-password Mobile JKN must send (Khanza's keys; the plain values are fake).
INSERT INTO `setting`
  (`nama_instansi`, `alamat_instansi`, `kabupaten`, `propinsi`, `kontak`, `email`, `aktifkan`,
   `kode_ppk`, `kode_ppkinhealth`, `kode_ppkkemenkes`, `wallpaper`, `logo`)
VALUES
  ('RS CONTOH', 'JL. CONTOH NO. 99', 'KABUPATEN CONTOH', 'PROPINSI CONTOH', '080000000000',
   'rs@contoh.invalid', 'No', '0000R001', '-', '0000000', NULL, '');

INSERT INTO `password_asuransi` (`kd_pj`, `usere`, `passworde`) VALUES
  ('BPJ', AES_ENCRYPT('wsrs-contoh', 'nur'), AES_ENCRYPT('wsrs-rahasia-contoh', 'windi'));

-- MR numbers: a straight 6-digit sequence without year/month; 000003 is the last one
-- used (the next new patient gets 000004).
INSERT INTO `set_urut_no_rkm_medis` (`urutan`, `tahun`, `bulan`, `posisi_tahun_bulan`) VALUES
  ('Straight', 'No', 'No', 'Depan');
INSERT INTO `set_no_rkm_medis` (`no_rkm_medis`) VALUES ('000003');

-- -------------------------------------------------------- staff and doctors

INSERT INTO `pegawai`
  (`id`, `nik`, `nama`, `jk`, `jbtn`, `jnj_jabatan`, `kode_kelompok`, `kode_resiko`,
   `kode_emergency`, `departemen`, `bidang`, `stts_wp`, `stts_kerja`, `npwp`, `pendidikan`,
   `gapok`, `tmp_lahir`, `tgl_lahir`, `alamat`, `kota`, `mulai_kerja`, `ms_kerja`, `indexins`,
   `bpd`, `rekening`, `stts_aktif`, `wajibmasuk`, `pengurang`, `indek`, `mulai_kontrak`,
   `cuti_diambil`, `dankes`, `photo`, `no_ktp`)
VALUES
  (1, 'D001', 'dr. CONTOH SATU, Sp.PD', 'Pria', 'DOKTER SPESIALIS', '-', '-', '-',
   '-', '-', '-', '-', '-', '-', '-',
   0, '-', '1980-01-01', '-', '-', '2020-01-01', 'FT>1', '-',
   '-', '-', 'AKTIF', 0, 0, 0, NULL,
   0, 0, NULL, '0000000000000901'),
  (2, 'D002', 'dr. CONTOH DUA, Sp.A', 'Wanita', 'DOKTER SPESIALIS', '-', '-', '-',
   '-', '-', '-', '-', '-', '-', '-',
   0, '-', '1982-02-02', '-', '-', '2020-01-01', 'FT>1', '-',
   '-', '-', 'AKTIF', 0, 0, 0, NULL,
   0, 0, NULL, '0000000000000902'),
  (3, 'P001', 'PERAWAT CONTOH', 'Wanita', 'PERAWAT', '-', '-', '-',
   '-', '-', '-', '-', '-', '-', '-',
   0, '-', '1990-03-03', '-', '-', '2021-01-01', 'FT>1', '-',
   '-', '-', 'AKTIF', 0, 0, 0, NULL,
   0, 0, NULL, '0000000000000903');

INSERT INTO `spesialis` (`kd_sps`, `nm_sps`) VALUES
  ('-', '-'), ('S0001', 'Penyakit Dalam'), ('S0002', 'Anak');

INSERT INTO `dokter`
  (`kd_dokter`, `nm_dokter`, `jk`, `tmp_lahir`, `tgl_lahir`, `gol_drh`, `agama`, `almt_tgl`,
   `no_telp`, `email`, `stts_nikah`, `kd_sps`, `alumni`, `no_ijn_praktek`, `status`)
VALUES
  ('D001', 'dr. CONTOH SATU, Sp.PD', 'L', '-', '1980-01-01', '-', '-', '-',
   '080000000001', '', 'MENIKAH', 'S0001', '-', '-', '1'),
  ('D002', 'dr. CONTOH DUA, Sp.A', 'P', '-', '1982-02-02', '-', '-', '-',
   '080000000002', '', 'MENIKAH', 'S0002', '-', '-', '1');

-- ----------------------------------- polyclinics, BPJS mappings, schedules

INSERT INTO `poliklinik` (`kd_poli`, `nm_poli`, `registrasi`, `registrasilama`, `status`) VALUES
  ('INT', 'Poliklinik Penyakit Dalam', 10000, 10000, '1'),
  ('ANA', 'Poliklinik Anak',           10000, 10000, '1');

INSERT INTO `maping_poli_bpjs` (`kd_poli_rs`, `kd_poli_bpjs`, `nm_poli_bpjs`) VALUES
  ('INT', 'INT', 'PENYAKIT DALAM'),
  ('ANA', 'ANA', 'ANAK');

INSERT INTO `maping_dokter_dpjpvclaim` (`kd_dokter`, `kd_dokter_bpjs`, `nm_dokter_bpjs`) VALUES
  ('D001', '99901', 'dr. CONTOH SATU, Sp.PD'),
  ('D002', '99902', 'dr. CONTOH DUA, Sp.A');

INSERT INTO `jadwal` (`kd_dokter`, `hari_kerja`, `jam_mulai`, `jam_selesai`, `kd_poli`, `kuota`) VALUES
  ('D001', 'RABU', '08:00:00', '12:00:00', 'INT', 30),
  ('D002', 'RABU', '09:00:00', '13:00:00', 'ANA', 20);

-- ---------------------------------------------------------- wards and beds

INSERT INTO `bangsal` (`kd_bangsal`, `nm_bangsal`, `status`) VALUES
  ('MWR', 'RUANG MAWAR',  '1'),
  ('MLT', 'RUANG MELATI', '1'),
  ('ICU', 'RUANG ICU',    '1');

INSERT INTO `kamar` (`kd_kamar`, `kd_bangsal`, `trf_kamar`, `status`, `kelas`, `statusdata`) VALUES
  ('MWR.01', 'MWR',  500000, 'KOSONG',      'Kelas 1',     '1'),
  ('MWR.02', 'MWR',  500000, 'KOSONG',      'Kelas 1',     '1'),
  ('MLT.01', 'MLT',  150000, 'ISI',         'Kelas 3',     '1'),
  ('MLT.02', 'MLT',  150000, 'KOSONG',      'Kelas 3',     '1'),
  ('MLT.03', 'MLT',  150000, 'DIBERSIHKAN', 'Kelas 3',     '1'),
  ('ICU.01', 'ICU', 1500000, 'KOSONG',      'Kelas Utama', '1'),
  ('ICU.02', 'ICU', 1500000, 'PERBAIKAN',   'Kelas Utama', '1');

-- Snapshots as Khanza's Aplicare / SIRANAP screens store them for this state of
-- kamar: kapasitas = statusdata '1', tersedia = 'KOSONG', menunggu = 'DIBERSIHKAN'.
INSERT INTO `aplicare_ketersediaan_kamar`
  (`kode_kelas_aplicare`, `kd_bangsal`, `kelas`, `kapasitas`, `tersedia`, `tersediapria`,
   `tersediawanita`, `tersediapriawanita`)
VALUES
  ('KL1', 'MWR', 'Kelas 1',     2, 2, 1, 1, 0),
  ('KL3', 'MLT', 'Kelas 3',     3, 1, 1, 0, 0),
  ('ICU', 'ICU', 'Kelas Utama', 2, 1, 1, 0, 0);

INSERT INTO `siranap_ketersediaan_kamar`
  (`kode_ruang_siranap`, `kelas_ruang_siranap`, `kd_bangsal`, `kelas`, `kapasitas`, `tersedia`,
   `tersediapria`, `tersediawanita`, `menunggu`)
VALUES
  ('0003 Penyakit Dalam', '0003 Kelas 1',      'MWR', 'Kelas 1',     2, 2, 1, 1, 0),
  ('0003 Penyakit Dalam', '0005 Kelas 3',      'MLT', 'Kelas 3',     3, 1, 1, 0, 1),
  ('0024 ICU/RICU',       '0008 Rawat Khusus', 'ICU', 'Kelas Utama', 2, 1, 1, 0, 0);

-- ---------------------------------------------------------------- patients

INSERT INTO `pasien`
  (`no_rkm_medis`, `nm_pasien`, `no_ktp`, `jk`, `tmp_lahir`, `tgl_lahir`, `nm_ibu`, `alamat`,
   `gol_darah`, `pekerjaan`, `stts_nikah`, `agama`, `tgl_daftar`, `no_tlp`, `umur`, `pnd`,
   `keluarga`, `namakeluarga`, `kd_pj`, `no_peserta`, `kd_kel`, `kd_kec`, `kd_kab`,
   `pekerjaanpj`, `alamatpj`, `kelurahanpj`, `kecamatanpj`, `kabupatenpj`, `perusahaan_pasien`,
   `suku_bangsa`, `bahasa_pasien`, `cacat_fisik`, `email`, `nip`, `kd_prop`, `propinsipj`)
VALUES
  ('000001', 'PASIEN CONTOH SATU', '0000000000000001', 'L', 'KOTA CONTOH', '1975-05-05',
   'IBU CONTOH SATU', 'JL. CONTOH NO. 1', '-', '-', 'MENIKAH', 'ISLAM', '2024-06-01',
   '080000000101', '49 Th 8 Bl 10 Hr', 'SMA', 'ISTRI', 'KELUARGA CONTOH SATU', 'BPJ',
   '0000000000001', 2, 2, 2, '-', 'JL. CONTOH NO. 1', 'KELURAHAN CONTOH', 'KECAMATAN CONTOH',
   'KABUPATEN CONTOH', '-', 1, 1, 1, '-', '-', 2, 'PROPINSI CONTOH'),
  ('000002', 'PASIEN CONTOH DUA', '0000000000000002', 'P', 'KOTA CONTOH', '2018-07-07',
   'IBU CONTOH DUA', 'JL. CONTOH NO. 2', '-', '-', 'BELUM MENIKAH', 'ISLAM', '2024-09-01',
   '080000000102', '6 Th 6 Bl 8 Hr', 'TK', 'IBU', 'IBU CONTOH DUA', 'BPJ',
   '0000000000002', 2, 2, 2, '-', 'JL. CONTOH NO. 2', 'KELURAHAN CONTOH', 'KECAMATAN CONTOH',
   'KABUPATEN CONTOH', '-', 1, 1, 1, '-', '-', 2, 'PROPINSI CONTOH'),
  ('000003', 'PASIEN CONTOH TIGA', '0000000000000003', 'L', 'KOTA CONTOH', '1960-10-10',
   'IBU CONTOH TIGA', 'JL. CONTOH NO. 3', '-', '-', 'MENIKAH', 'ISLAM', '2025-01-15',
   '080000000103', '64 Th 3 Bl 5 Hr', 'SD', 'ANAK', 'ANAK CONTOH TIGA', 'A09',
   '', 2, 2, 2, '-', 'JL. CONTOH NO. 3', 'KELURAHAN CONTOH', 'KECAMATAN CONTOH',
   'KABUPATEN CONTOH', '-', 1, 1, 1, '-', '-', 2, 'PROPINSI CONTOH');

-- ----------------------------------------------------------- registrations

INSERT INTO `reg_periksa`
  (`no_reg`, `no_rawat`, `tgl_registrasi`, `jam_reg`, `kd_dokter`, `no_rkm_medis`, `kd_poli`,
   `p_jawab`, `almt_pj`, `hubunganpj`, `biaya_reg`, `stts`, `stts_daftar`, `status_lanjut`,
   `kd_pj`, `umurdaftar`, `sttsumur`, `status_bayar`, `status_poli`)
VALUES
  ('001', '2025/01/15/000001', '2025-01-15', '07:40:00', 'D001', '000001', 'INT',
   'KELUARGA CONTOH SATU',
   'JL. CONTOH NO. 1, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'ISTRI', 10000, 'Sudah', 'Lama', 'Ralan', 'BPJ', 49, 'Th', 'Belum Bayar', 'Lama'),
  ('002', '2025/01/15/000002', '2025-01-15', '07:55:00', 'D001', '000002', 'INT',
   'IBU CONTOH DUA',
   'JL. CONTOH NO. 2, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'IBU', 10000, 'Belum', 'Lama', 'Ralan', 'BPJ', 6, 'Th', 'Belum Bayar', 'Baru'),
  ('001', '2025/01/15/000003', '2025-01-15', '09:00:00', 'D002', '000001', 'ANA',
   'KELUARGA CONTOH SATU',
   'JL. CONTOH NO. 1, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'ISTRI', 10000, 'Belum', 'Lama', 'Ralan', 'BPJ', 49, 'Th', 'Belum Bayar', 'Baru'),
  ('002', '2025/01/15/000004', '2025-01-15', '09:00:00', 'D002', '000002', 'ANA',
   'IBU CONTOH DUA',
   'JL. CONTOH NO. 2, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'IBU', 10000, 'Batal', 'Lama', 'Ralan', 'BPJ', 6, 'Th', 'Belum Bayar', 'Lama'),
  ('003', '2025/01/15/000005', '2025-01-15', '08:10:00', 'D001', '000003', 'INT',
   'ANAK CONTOH TIGA',
   'JL. CONTOH NO. 3, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'ANAK', 10000, 'Dirawat', 'Baru', 'Ranap', 'A09', 64, 'Th', 'Belum Bayar', 'Baru');

-- The visit before 2025/01/15/000002's kontrol: 000002 came to INT on Wednesday
-- 2025-01-08 with a referral from another hospital and left with a surat kontrol for
-- today. It is a week before the sample day, outside the producer's window.
INSERT INTO `reg_periksa`
  (`no_reg`, `no_rawat`, `tgl_registrasi`, `jam_reg`, `kd_dokter`, `no_rkm_medis`, `kd_poli`,
   `p_jawab`, `almt_pj`, `hubunganpj`, `biaya_reg`, `stts`, `stts_daftar`, `status_lanjut`,
   `kd_pj`, `umurdaftar`, `sttsumur`, `status_bayar`, `status_poli`)
VALUES
  ('001', '2025/01/08/000001', '2025-01-08', '08:30:00', 'D001', '000002', 'INT',
   'IBU CONTOH DUA',
   'JL. CONTOH NO. 2, KELURAHAN CONTOH, KECAMATAN CONTOH, KABUPATEN CONTOH, PROPINSI CONTOH',
   'IBU', 10000, 'Sudah', 'Lama', 'Ralan', 'BPJ', 6, 'Th', 'Sudah Bayar', 'Baru');

-- ------------------------------------------------ Mobile JKN bookings (WS RS)
-- estimasidilayani = epoch ms of tanggalperiksa + jadwal.jam_mulai + no_reg x 5 min in
-- WIB, as Khanza's api-bpjsfktl computes it; nomorantrean = kd_poli-no_reg.

INSERT INTO `referensi_mobilejkn_bpjs`
  (`nobooking`, `no_rawat`, `nomorkartu`, `nik`, `nohp`, `kodepoli`, `pasienbaru`, `norm`,
   `tanggalperiksa`, `kodedokter`, `jampraktek`, `jeniskunjungan`, `nomorreferensi`,
   `nomorantrean`, `angkaantrean`, `estimasidilayani`, `sisakuotajkn`, `kuotajkn`,
   `sisakuotanonjkn`, `kuotanonjkn`, `status`, `validasi`, `statuskirim`)
VALUES
  ('20250115000001', '2025/01/15/000001', '0000000000001', '0000000000000001', '080000000101',
   'INT', '0', '000001', '2025-01-15', '99901', '08:00-12:00', '1 (Rujukan FKTP)',
   '0000R0010125K000001', 'INT-001', '001', '1736903100000', 28, 30, 28, 30,
   'Checkin', '2025-01-15 07:40:00', 'Sudah'),
  ('20250115000002', '2025/01/15/000002', '0000000000002', '0000000000000002', '080000000102',
   'INT', '0', '000002', '2025-01-15', '99901', '08:00-12:00', '3 (Kontrol)',
   '0000R0010125K000002', 'INT-002', '002', '1736903400000', 27, 30, 27, 30,
   'Checkin', '2025-01-15 07:55:00', 'Sudah'),
  ('20250115000003', '2025/01/15/000003', '0000000000001', '0000000000000001', '080000000101',
   'ANA', '0', '000001', '2025-01-15', '99902', '09:00-13:00', '2 (Rujukan Internal)',
   '0000R0010125K000003', 'ANA-001', '001', '1736906700000', 18, 20, 18, 20,
   'Belum', '0000-00-00 00:00:00', 'Belum'),
  ('20250115000004', '2025/01/15/000004', '0000000000002', '0000000000000002', '080000000102',
   'ANA', '0', '000002', '2025-01-15', '99902', '09:00-13:00', '1 (Rujukan FKTP)',
   '0000R0010125K000004', 'ANA-002', '002', '1736907000000', 17, 20, 17, 20,
   'Batal', '2025-01-15 08:15:00', 'Sudah');

INSERT INTO `referensi_mobilejkn_bpjs_batal`
  (`no_rkm_medis`, `no_rawat_batal`, `nomorreferensi`, `tanggalbatal`, `keterangan`,
   `statuskirim`, `nobooking`)
VALUES
  ('000002', '2025/01/15/000004', '0000R0010125K000004', '2025-01-15 08:15:00',
   'Dibatalkan pasien melalui Mobile JKN (data contoh)', 'Belum', '20250115000004');

-- Khanza's ledger of task ids already sent to BPJS.
INSERT INTO `referensi_mobilejkn_bpjs_taskid` (`no_rawat`, `taskid`, `waktu`) VALUES
  ('2025/01/15/000001', '3', '2025-01-15 07:50:00'),
  ('2025/01/15/000001', '4', '2025-01-15 08:05:00'),
  ('2025/01/15/000001', '5', '2025-01-15 08:10:00'),
  ('2025/01/15/000001', '6', '2025-01-15 08:40:00'),
  ('2025/01/15/000001', '7', '2025-01-15 08:55:00'),
  ('2025/01/15/000002', '3', '2025-01-15 08:00:00');

-- ------------------------------------------------------ SEPs (BPJS VClaim)
-- jnspelayanan '2' = rawat jalan; tglpulang = tglsep 00:00:00 and tglkkl zero (no
-- accident), as Khanza's SEP form stores an outpatient SEP. kdppkpelayanan = setting.kode_ppk.
--   V000001 2025/01/08/000001  referral from another hospital (asal_rujukan Faskes 2,
--           kdppkrujukan 0000R002 = RS LAIN CONTOH, not our 0000R001); tujuankunjungan 0.
--   V000002 2025/01/15/000001  referral from a clinic (asal_rujukan Faskes 1, PUSKESMAS
--           CONTOH); no_rujukan = the booking's nomorreferensi; tujuankunjungan 0.
--   V000003 2025/01/15/000002  kontrol: noskdp = the surat kontrol written from V000001 =
--           the booking's nomorreferensi; the referral (no_rujukan, asal, PPK) is still
--           the other hospital's; tujuankunjungan '2' + asesmenpelayanan '5' (Tujuan
--           Kontrol), a common choice for a kontrol visit.
-- No SEP for 2025/01/15/000003 (not checked in), 000004 (cancelled), 000005 (UMUM).
INSERT INTO `bridging_sep`
  (`no_sep`, `no_rawat`, `tglsep`, `tglrujukan`, `no_rujukan`, `kdppkrujukan`, `nmppkrujukan`,
   `kdppkpelayanan`, `nmppkpelayanan`, `jnspelayanan`, `catatan`, `diagawal`, `nmdiagnosaawal`,
   `kdpolitujuan`, `nmpolitujuan`, `klsrawat`, `klsnaik`, `pembiayaan`, `pjnaikkelas`,
   `lakalantas`, `user`, `nomr`, `nama_pasien`, `tanggal_lahir`, `peserta`, `jkel`, `no_kartu`,
   `tglpulang`, `asal_rujukan`, `eksekutif`, `cob`, `notelep`, `katarak`, `tglkkl`,
   `keterangankkl`, `suplesi`, `no_sep_suplesi`, `kdprop`, `nmprop`, `kdkab`, `nmkab`, `kdkec`,
   `nmkec`, `noskdp`, `kddpjp`, `nmdpdjp`, `tujuankunjungan`, `flagprosedur`, `penunjang`,
   `asesmenpelayanan`, `kddpjplayanan`, `nmdpjplayanan`)
VALUES
  ('0000R0010125V000001', '2025/01/08/000001', '2025-01-08', '2025-01-06', '0000R0020125B000001',
   '0000R002', 'RS LAIN CONTOH', '0000R001', 'RS CONTOH', '2', '-', 'J02.9',
   'J02.9 - Acute pharyngitis, unspecified', 'INT', 'PENYAKIT DALAM', '3', '', '', '',
   '0', 'ADMIN CONTOH', '000002', 'PASIEN CONTOH DUA', '2018-07-07', 'PBI (APBN)', 'P',
   '0000000000002', '2025-01-08 00:00:00', '2. Faskes 2(RS)', '0. Tidak', '0. Tidak',
   '080000000102', '0. Tidak', '0000-00-00', '', '0. Tidak', '', '', '', '', '', '',
   '', '', '99901', 'dr. CONTOH SATU, Sp.PD', '0', '', '', '', '99901',
   'dr. CONTOH SATU, Sp.PD'),
  ('0000R0010125V000002', '2025/01/15/000001', '2025-01-15', '2025-01-13', '0000R0010125K000001',
   '00000001', 'PUSKESMAS CONTOH', '0000R001', 'RS CONTOH', '2', '-', 'I10',
   'I10 - Essential (primary) hypertension', 'INT', 'PENYAKIT DALAM', '3', '', '', '',
   '0', 'ADMIN CONTOH', '000001', 'PASIEN CONTOH SATU', '1975-05-05', 'PEKERJA MANDIRI', 'L',
   '0000000000001', '2025-01-15 00:00:00', '1. Faskes 1', '0. Tidak', '0. Tidak',
   '080000000101', '0. Tidak', '0000-00-00', '', '0. Tidak', '', '', '', '', '', '',
   '', '', '99901', 'dr. CONTOH SATU, Sp.PD', '0', '', '', '', '99901',
   'dr. CONTOH SATU, Sp.PD'),
  ('0000R0010125V000003', '2025/01/15/000002', '2025-01-15', '2025-01-06', '0000R0020125B000001',
   '0000R002', 'RS LAIN CONTOH', '0000R001', 'RS CONTOH', '2', '-', 'J02.9',
   'J02.9 - Acute pharyngitis, unspecified', 'INT', 'PENYAKIT DALAM', '3', '', '', '',
   '0', 'ADMIN CONTOH', '000002', 'PASIEN CONTOH DUA', '2018-07-07', 'PBI (APBN)', 'P',
   '0000000000002', '2025-01-15 00:00:00', '2. Faskes 2(RS)', '0. Tidak', '0. Tidak',
   '080000000102', '0. Tidak', '0000-00-00', '', '0. Tidak', '', '', '', '', '', '',
   '', '0000R0010125K000002', '99901', 'dr. CONTOH SATU, Sp.PD', '2', '', '', '5', '99901',
   'dr. CONTOH SATU, Sp.PD');

-- Surat kontrol. K000002: written on 2025-01-08 from V000001 for today, INT / dr D001;
-- it is 2025/01/15/000002's noskdp and its booking's nomorreferensi. K000005: written
-- today from V000002 ("Kontrol 1 bulan") for Wednesday 2025-02-12. Neither patient is
-- PRB, so the PRB columns (status_prb .. Hamil) are empty.
INSERT INTO `bridging_surat_kontrol_bpjs`
  (`no_sep`, `tgl_surat`, `no_surat`, `tgl_rencana`, `kd_dokter_bpjs`, `nm_dokter_bpjs`,
   `kd_poli_bpjs`, `nm_poli_bpjs`, `status_prb`, `HBA1C`, `GDP`, `GD2JPP`, `eGFR`,
   `TD_Sistolik`, `TD_Diastolik`, `LDL`, `Rata_TD_Sistolik`, `Rata_TD_Diastolik`,
   `JantungKoroner`, `Stroke`, `VaskularPerifer`, `Aritmia`, `AtrialFibrilasi`,
   `NadiIstirahat`, `SesakNapas3Bulan`, `NyeriDada3Bulan`, `SesakNapasAktivitas`,
   `NyeriDadaAktivitas`, `Terkontrol`, `Gejala2xMinggu`, `BangunMalam`, `KeterbatasanFisik`,
   `FungsiParu`, `SkorMMRC`, `Eksaserbasi1Tahun`, `MampuAktivitas`, `Epileptik6Bulan`,
   `EfekSampingOAB`, `HamilMenyusui`, `Remisi`, `TerapiRumatan`, `Usia`, `AsamUrat`,
   `RemisiSLE`, `Hamil`)
VALUES
  ('0000R0010125V000001', '2025-01-08', '0000R0010125K000002', '2025-01-15', '99901',
   'dr. CONTOH SATU, Sp.PD', 'INT', 'PENYAKIT DALAM', '', '', '', '', '', '', '', '', '', '',
   '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
   '', '', '', ''),
  ('0000R0010125V000002', '2025-01-15', '0000R0010125K000005', '2025-02-12', '99901',
   'dr. CONTOH SATU, Sp.PD', 'INT', 'PENYAKIT DALAM', '', '', '', '', '', '', '', '', '', '',
   '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
   '', '', '', '');

-- ------------------------------------------- events behind the task ids

INSERT INTO `mutasi_berkas`
  (`no_rawat`, `status`, `dikirim`, `diterima`, `kembali`, `tidakada`, `ranap`)
VALUES
  ('2025/01/15/000001', 'Sudah Kembali', '2025-01-15 07:50:00', '2025-01-15 08:05:00',
   '2025-01-15 08:25:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
  ('2025/01/15/000002', 'Sudah Diterima', '2025-01-15 08:00:00', '2025-01-15 08:30:00',
   '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),
  ('2025/01/15/000005', 'Masuk Ranap', '2025-01-15 08:15:00', '2025-01-15 08:20:00',
   '0000-00-00 00:00:00', '0000-00-00 00:00:00', '2025-01-15 10:30:00');

INSERT INTO `pemeriksaan_ralan`
  (`no_rawat`, `tgl_perawatan`, `jam_rawat`, `suhu_tubuh`, `tensi`, `nadi`, `respirasi`,
   `tinggi`, `berat`, `spo2`, `gcs`, `kesadaran`, `keluhan`, `pemeriksaan`, `alergi`,
   `lingkar_perut`, `rtl`, `penilaian`, `instruksi`, `evaluasi`, `nip`)
VALUES
  ('2025/01/15/000001', '2025-01-15', '08:10:00', '36.7', '130/80', '80', '18',
   '168', '70', '98', '15', 'Compos Mentis', 'Kontrol hipertensi (data contoh)',
   'Dalam batas normal', '-', '-', 'Lanjut obat', 'Hipertensi terkontrol',
   'Kontrol 1 bulan', '-', 'D001'),
  ('2025/01/15/000002', '2025-01-15', '08:35:00', '37.8', '100/70', '96', '22',
   '115', '20', '97', '15', 'Compos Mentis', 'Demam 2 hari (data contoh)',
   'Faring hiperemis', '-', '-', 'Obat simptomatik', 'Faringitis akut',
   'Minum air cukup', '-', 'D001'),
  ('2025/01/15/000005', '2025-01-15', '08:45:00', '38.9', '90/60', '110', '24',
   '165', '60', '93', '14', 'Compos Mentis', 'Sesak dan demam (data contoh)',
   'Ronkhi basah', '-', '-', 'Rawat inap', 'Pneumonia',
   'Observasi', '-', 'D001');

-- 202501150002 is written but not validated nor handed over: zero dates.
INSERT INTO `resep_obat`
  (`no_resep`, `tgl_perawatan`, `jam`, `no_rawat`, `kd_dokter`, `tgl_peresepan`,
   `jam_peresepan`, `status`, `tgl_penyerahan`, `jam_penyerahan`)
VALUES
  ('202501150001', '2025-01-15', '08:40:00', '2025/01/15/000001', 'D001', '2025-01-15',
   '08:20:00', 'ralan', '2025-01-15', '08:55:00'),
  ('202501150002', '0000-00-00', '00:00:00', '2025/01/15/000002', 'D001', '2025-01-15',
   '08:50:00', 'ralan', '0000-00-00', '00:00:00'),
  ('202501080001', '2025-01-08', '09:30:00', '2025/01/08/000001', 'D001', '2025-01-08',
   '09:10:00', 'ralan', '2025-01-08', '09:45:00');

-- What the doctor prescribed today: plain lines only, so both of today's prescriptions
-- stay "Non Racikan". kode_brng values are fake (no databarang here):
-- B0000001 AMLODIPIN 10 MG, B0000002 CANDESARTAN 8 MG, B0000003 PARASETAMOL SIRUP,
-- B0000004 AMBROKSOL SIRUP (all CONTOH).
INSERT INTO `resep_dokter` (`no_resep`, `kode_brng`, `jml`, `aturan_pakai`) VALUES
  ('202501150001', 'B0000001', 30, '1 x 1'),
  ('202501150001', 'B0000002', 30, '1 x 1'),
  ('202501150002', 'B0000003', 1, '3 x 1 sendok takar'),
  ('202501150002', 'B0000004', 1, '3 x 1/2 sendok takar');

-- The one racikan is on the earlier visit's prescription (outside the sample day), so
-- today's farmasi/add stay "Non Racikan". kd_racik 'R01' = Puyer in upstream's demo
-- metode_racik rows (metode_racik is not part of this subset).
INSERT INTO `resep_dokter_racikan`
  (`no_resep`, `no_racik`, `nama_racik`, `kd_racik`, `jml_dr`, `aturan_pakai`, `keterangan`)
VALUES
  ('202501080001', '1', 'PUYER BATUK PILEK ANAK (CONTOH)', 'R01', 10, '3 x 1', 'HABISKAN');

-- ---------------------------------------------------------- inpatient stay

INSERT INTO `kamar_inap`
  (`no_rawat`, `kd_kamar`, `trf_kamar`, `diagnosa_awal`, `diagnosa_akhir`, `tgl_masuk`,
   `jam_masuk`, `tgl_keluar`, `jam_keluar`, `lama`, `ttl_biaya`, `stts_pulang`)
VALUES
  ('2025/01/15/000005', 'MLT.01', 150000, 'Pneumonia', '', '2025-01-15',
   '10:30:00', '0000-00-00', '00:00:00', 1, 150000, '-');


-- ------------------------------------------------------ operating theatre
-- Read by the WS RS jadwaloperasirs / jadwaloperasipasien: kodebooking = no_rawat,
-- jenistindakan = paket_operasi.nm_perawatan, terlaksana 0 while status 'Menunggu'.
-- An endoscopy for 000001 (JKN, booked from 2025/01/15/000001) on 2025-01-22 and a
-- bronchoscopy for the UMUM inpatient 000003 (2025/01/15/000005) on 2025-01-16.
INSERT INTO `ruang_ok` (`kd_ruang_ok`, `nm_ruang_ok`) VALUES ('OK1', 'KAMAR OPERASI CONTOH 1');

INSERT INTO `paket_operasi`
  (`kode_paket`, `nm_perawatan`, `kategori`, `operator1`, `operator2`, `operator3`,
   `asisten_operator1`, `asisten_operator2`, `asisten_operator3`, `instrumen`, `dokter_anak`,
   `perawaat_resusitas`, `dokter_anestesi`, `asisten_anestesi`, `asisten_anestesi2`, `bidan`,
   `bidan2`, `bidan3`, `perawat_luar`, `sewa_ok`, `alat`, `akomodasi`, `bagian_rs`, `omloop`,
   `omloop2`, `omloop3`, `omloop4`, `omloop5`, `sarpras`, `dokter_pjanak`, `dokter_umum`,
   `kd_pj`, `status`, `kelas`)
VALUES
  ('PK0001', 'ENDOSKOPI SALURAN CERNA ATAS (CONTOH)', 'Operasi', 1500000, 0, 0,
   200000, 0, 0, 100000, 0,
   0, 500000, 150000, 0, 0,
   0, 0, 50000, 750000, 500000, 0, 250000, 50000,
   0, 0, 0, 0, 0, 0, 0,
   '-', '1', 'Rawat Jalan'),
  ('PK0002', 'BRONKOSKOPI (CONTOH)', 'Operasi', 1750000, 0, 0,
   250000, 0, 0, 100000, 0,
   0, 500000, 150000, 0, 0,
   0, 0, 50000, 750000, 600000, 0, 250000, 50000,
   0, 0, 0, 0, 0, 0, 0,
   '-', '1', 'Kelas 3');

INSERT INTO `booking_operasi`
  (`no_rawat`, `kode_paket`, `tanggal`, `jam_mulai`, `jam_selesai`, `status`, `kd_dokter`,
   `kd_ruang_ok`)
VALUES
  ('2025/01/15/000001', 'PK0001', '2025-01-22', '09:00:00', '10:00:00', 'Menunggu', 'D001', 'OK1'),
  ('2025/01/15/000005', 'PK0002', '2025-01-16', '08:00:00', '09:00:00', 'Menunggu', 'D001', 'OK1');

SET FOREIGN_KEY_CHECKS = @OLD_FOREIGN_KEY_CHECKS;
SET SQL_MODE = @OLD_SQL_MODE;
SET character_set_client = @OLD_CHARACTER_SET_CLIENT;
