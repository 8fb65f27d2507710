"""Masking what we store or show: identifiers keep their last four characters, secrets vanish."""

from __future__ import annotations

import copy
import json

import pytest

from core.masking import PATIENT_KEYS, mask, redact, redact_text

SECRET = "bpjs-secret-77"


@pytest.mark.parametrize(("value", "keep", "shown"), [
    ("0000000000000123", 4, "************0123"), ("0000000000000123", 2, "**************23"),
    ("1234", 4, "****"), ("", 4, ""), (None, 4, ""), (80000000101, 4, "*******0101")])
def test_mask_keeps_only_the_last_characters(value: object, keep: int, shown: str) -> None:
    assert mask(value, keep) == shown


def test_every_identifier_is_masked_at_any_depth_and_in_any_case() -> None:
    body = {"response": {"list": [{"NIK": "0000000000000001", "nomorkartu": "0000000000001",
                                   "taskid": 3, "kodebooking": "20250115000001"}]},
            "nohp": "080000000101", "norm": 123456, "nama": "SITI AMINAH"}
    shown = redact(body)
    row = shown["response"]["list"][0]
    assert row == {"NIK": "************0001", "nomorkartu": "*********0001", "taskid": 3,
                   "kodebooking": "20250115000001"}  # the booking code is not a person
    assert (shown["nohp"], shown["norm"], shown["nama"]) == (
        "********0101", "**3456", "*******INAH")
    for value in ("0000000000000001", "0000000000001", "080000000101", "SITI AMINAH"):
        assert value not in json.dumps(shown)


def test_empty_identifiers_stay_as_they_are() -> None:
    # "-" and "" are Khanza's "none": masking them would only hide that nothing was there.
    assert redact({"nomorreferensi": "-", "nik": "", "nohp": None}) == {
        "nomorreferensi": "-", "nik": "", "nohp": None}


def test_secrets_are_removed_wherever_they_appear_and_the_input_is_left_alone() -> None:
    body = {"message": f"token {SECRET} expired", "items": [f"x{SECRET}y", 5],
            "nested": {"deep": [{"note": SECRET}]}}
    original = copy.deepcopy(body)
    shown = redact(body, [SECRET, ""])
    assert SECRET not in json.dumps(shown)
    assert shown["message"] == "token ********** expired"
    assert shown["items"] == ["x**********y", 5]
    assert body == original


def test_redact_text_treats_json_as_json_and_anything_else_as_text() -> None:
    text = json.dumps({"nik": "0000000000000001", "keterangan": f"ok {SECRET}"})
    assert redact_text(text, [SECRET]) == (
        '{"nik":"************0001","keterangan":"ok **********"}')
    html = f"<html>502 Bad Gateway {SECRET}</html>"
    assert redact_text(html, [SECRET]) == "<html>502 Bad Gateway **********</html>"


def test_the_patient_keys_cover_both_protocols() -> None:
    for key in ("nik", "nomorkartu", "nohp", "norm", "nomorreferensi", "nama", "alamat",
                "tanggallahir", "noka", "nokapst"):
        assert key in PATIENT_KEYS
    assert "kodebooking" not in PATIENT_KEYS and "taskid" not in PATIENT_KEYS
