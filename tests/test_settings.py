from pathlib import Path

import pytest

from consult.settings import Settings, SettingsError


def test_defaults_use_sqlite_in_the_data_dir(tmp_path):
    settings = Settings.from_env({}, env_file=None)
    assert settings.data_dir == Path("var")
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith(
        "var/consult.db"
    )
    assert settings.smtp_host == ""


def test_environment_and_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nCONSULT_SMTP_HOST=mail.example.org\nCONSULT_SMTP_PORT='2525'\n")
    settings = Settings.from_env(
        {
            "CONSULT_SMTP_PORT": "587",
            "CONSULT_SMTP_TLS": "yes",
            "CONSULT_BASE_URL": "https://c.example/",
        },
        env_file=env_file,
    )
    assert settings.smtp_host == "mail.example.org"
    assert settings.smtp_port == 587  # the environment wins over the file
    assert settings.smtp_tls is True
    assert settings.base_url == "https://c.example" and settings.https


def test_bad_values_are_named():
    with pytest.raises(SettingsError, match="CONSULT_SMTP_PORT"):
        Settings.from_env({"CONSULT_SMTP_PORT": "twenty-five"}, env_file=None)
    with pytest.raises(SettingsError, match="CONSULT_SMTP_TLS"):
        Settings.from_env({"CONSULT_SMTP_TLS": "maybe"}, env_file=None)


def test_a_generated_secret_key_is_kept(tmp_path):
    settings = Settings.from_env({"CONSULT_DATA_DIR": str(tmp_path)}, env_file=None)
    first = settings.ensure_secret_key().secret_key
    assert first and first == settings.ensure_secret_key().secret_key


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name in (
        "DATA_DIR",
        "DATABASE_URL",
        "SECRET_KEY",
        "BASE_URL",
        "SMTP_HOST",
        "SMTP_PORT",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
        "SMTP_TLS",
        "MAIL_FROM",
        "EMBEDDED_WORKER",
        "RATE_LIMITS",
    ):
        assert f"CONSULT_{name}" in readme, name
