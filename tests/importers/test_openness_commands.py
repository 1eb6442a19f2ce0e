"""The openness import commands on bad folders: a refused folder fails loudly (non-zero exit),
one file that is not UTF-8 is reported by name and the others still import."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from projects.models.openness import MotRecord, ThirdPartyAssessment
from projects.seed import INDEX_FOLDER, MOT_MODELS

pytestmark = pytest.mark.django_db

LATIN_1 = "release:\n  name: Caf\xe9\n".encode("latin-1")


def test_import_mot_fails_when_every_file_is_refused(tmp_path, capsys):
    (tmp_path / "broken.yml").write_text("release: [not, a, mapping\n", encoding="utf-8")
    (tmp_path / "latin.yml").write_bytes(LATIN_1)
    with pytest.raises(CommandError, match="Nothing imported: all 2 file"):
        call_command("import_mot", str(tmp_path), "--no-progress")
    captured = capsys.readouterr()
    assert "latin.yml: not UTF-8 text" in captured.err
    assert "broken.yml" in captured.err
    assert "files imported" not in captured.out
    assert not MotRecord.objects.exists()


def test_one_non_utf8_file_is_reported_and_the_folder_still_imports(tmp_path, capsys):
    shutil.copy(MOT_MODELS / "Amber.yml", tmp_path / "Amber.yml")
    (tmp_path / "latin.yml").write_bytes(LATIN_1)
    call_command("import_mot", str(tmp_path), "--no-progress")
    captured = capsys.readouterr()
    assert "files: 2 (1 imported, 1 refused)" in captured.out
    assert "latin.yml: not UTF-8 text (byte 20)" in captured.err
    assert "except 1 refused" in captured.out
    assert MotRecord.objects.filter(source_file="Amber.yml").exists()


def test_import_osai_index_reports_a_non_utf8_file_and_fails_when_nothing_is_left(tmp_path, capsys):
    (tmp_path / "latin.yaml").write_bytes(LATIN_1)
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_osai_index", str(tmp_path), "--no-progress")
    assert "latin.yaml: not UTF-8 text" in capsys.readouterr().err

    shutil.copy(INDEX_FOLDER / "projects" / "amber.yaml", tmp_path / "amber.yaml")
    call_command("import_osai_index", str(tmp_path), "--no-progress")
    assert ThirdPartyAssessment.objects.filter(source_file="amber.yaml").exists()
    assert "latin.yaml: not UTF-8 text" in capsys.readouterr().err
